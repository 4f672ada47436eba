/**
 * `npm run models:sync` end to end below the command line: the real SDK lists the stub's models, the rows
 * land in the `models` table (PGlite always, Postgres when DATABASE_URL is set), admin prices survive a
 * re-sync, and the table reads back into the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '#server/config.ts'
import { catalogueFromTable, readModelsTable, runModelsSync, upsertModels } from '#server/providers/models-sync.ts'
import { createProviders, type ProviderRegistry } from '#server/providers/registry.ts'
import { createTestDb, testDrivers, type TestDb } from '#tests/support/database.ts'
import { startOpenAIStub, type OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { openaiEnv } from '#tests/support/suite-services.ts'

describe.each(testDrivers())('models sync on %s', driver => {
	let t: TestDb
	let stub: OpenAIStub
	let providers: ProviderRegistry

	beforeAll(async () => {
		t = await createTestDb(driver)
		stub = await startOpenAIStub({ models: ['gpt-4o-mini', 'tts-1', 'qwen2.5:7b'] })
		providers = createProviders(loadConfig({ NODE_ENV: 'test', ...openaiEnv(stub) }, []))
	})

	afterAll(async () => {
		await stub.close()
		await t.dispose()
	})

	it('writes the rows, keeps admin prices on a re-sync and reads back into the registry', async () => {
		const summary = await runModelsSync(providers, rows => t.db.privileged(tx => upsertModels(tx, rows)))
		expect(summary.rows.length).toBeGreaterThan(10)
		expect(summary.unavailable).toBeGreaterThan(0)

		let table = await t.db.privileged(tx => readModelsTable(tx))
		const byId = new Map(table.map(r => [r.id, r]))
		expect(byId.get('openai:gpt-4o-mini')).toMatchObject({
			provider: 'openai',
			enabled: true,
			listed: true,
			display_name: 'GPT-4o mini',
			prices: { inputToken: 0.15, outputToken: 0.6 },
			capabilities: ['chat', 'title', 'vision'],
		})
		// The sync records what the provider lists; the administrator's switch (`enabled`) is not its to change.
		expect(byId.get('openai:gpt-4o')).toMatchObject({ listed: false, enabled: true })
		expect(byId.get('openai:qwen2.5:7b')).toMatchObject({ listed: true, enabled: true, prices: {} })
		expect(byId.get('offline:image')?.capabilities).toEqual(['image', 'imageEdit', 'upscale'])
		expect(byId.get('offline:chat')?.synced_at).toBeInstanceOf(Date)

		// An administrator changes a price; the next sync leaves it alone.
		await t.db.privileged(tx =>
			tx.query(`update public.models set prices = $1::jsonb where id = 'openai:gpt-4o-mini'`, [
				JSON.stringify({ inputToken: 1, outputToken: 2 }),
			]),
		)
		await runModelsSync(providers, rows => t.db.privileged(tx => upsertModels(tx, rows)))
		table = await t.db.privileged(tx => readModelsTable(tx))
		expect(table.find(r => r.id === 'openai:gpt-4o-mini')?.prices).toEqual({ inputToken: 1, outputToken: 2 })

		providers.setCatalogue(catalogueFromTable(table))
		const mini = providers.model('openai:gpt-4o-mini')
		expect(mini?.prices).toEqual({ inputToken: 1, outputToken: 2 })
		// Capabilities the table cannot hold come back from the shipped catalogue.
		expect(providers.model('offline:image')?.capabilities).toEqual(['image', 'imageEdit', 'upscale'])
		expect(providers.model('openai:qwen2.5:7b')).toMatchObject({
			vendorModel: 'qwen2.5:7b',
			capabilities: ['chat', 'title'],
		})
		expect(providers.list().find(m => m.id === 'openai:gpt-4o')?.available).toBe(false)

		stub.reset()
		const stream = providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] })
		let text = ''
		for await (const delta of stream) text += delta
		expect(text).toBe('Hello from the stub.')
		// 12 input tokens × 1 + 5 output tokens × 2, at the administrator's prices.
		expect(stream.result?.costMicros).toBe(22)
	})
})
