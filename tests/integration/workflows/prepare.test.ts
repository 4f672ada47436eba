/**
 * Before a run (PGlite and, with DATABASE_URL, Postgres): the definition is validated against the catalogue the
 * server uses, priced, and the upper end of the price checked against what is left of the person's budget.
 */
import { describe, expect, test } from 'vitest'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { useTestServices } from '#tests/support/suite-services.ts'
import { edge } from '#tests/support/workflows.ts'

/** Topic → chat → speech of the reply, on the given chat and speech models. */
const topicPostRead = (chat: string, speech: string) => ({
	version: 1,
	nodes: [
		{ id: 'topic', name: 'Topic', kind: 'text', value: 'Tide pools' },
		{ id: 'post', name: 'Post', kind: 'chat', model: chat },
		{ id: 'read', name: 'Read aloud', kind: 'speech', model: speech },
	],
	edges: [edge('topic', 'text', 'post', 'prompt'), edge('post', 'text', 'read', 'text')],
})

/** Topic → chat (up to 1,000 tokens of gpt-4o-mini) → speech of the reply (tts-1): a range. */
const paid = topicPostRead('openai:gpt-4o-mini', 'openai:tts-1')
const free = topicPostRead('offline:chat', 'offline:speech')

describe.each(testDrivers())('workflow preparation on %s', driver => {
	// A key makes the OpenAI models available; nothing here calls a provider.
	const t = useTestServices(driver, { env: { OPENAI_API_KEY: 'sk-test' }, workers: false })

	test('a valid workflow within budget is priced per node and in total', async () => {
		const user = await createUser(t.services.db, { monthlyBudgetUsd: 5 })
		const prepared = await t.services.workflows.prepare(user.id, paid)
		if ('refused' in prepared) throw new Error(prepared.message)
		expect(prepared.order).toEqual(['topic', 'post', 'read'])
		expect(prepared.estimate.nodes.map(n => n.nodeId)).toEqual(['topic', 'post', 'read'])
		expect(prepared.estimate.maxMicros).toBeGreaterThan(prepared.estimate.minMicros)
		// 1,000 tokens ≈ 4,000 characters read aloud at 15 micro-USD each.
		expect(prepared.estimate.nodes[2]).toMatchObject({ minMicros: 0, maxMicros: 60_000 })
	})

	test('a run that could go over what is left of the budget is refused; the same workflow on free models is not', async () => {
		const user = await createUser(t.services.db, { monthlyBudgetUsd: 1 })
		const before = await t.services.workflows.prepare(user.id, paid)
		if ('refused' in before) throw new Error(before.message)
		// Spend all but a little less than the run's upper estimate (but more than its lower end).
		const left = Math.floor((before.estimate.minMicros + before.estimate.maxMicros) / 2)
		await t.services.db.privileged(tx =>
			tx.query(
				`insert into api_usage (user_id, provider, model, capability, units, unit, cost_micros)
				 values ($1, 'openai', 'openai:tts-1', 'speech', 1, 'character', $2)`,
				[user.id, 1_000_000 - left],
			),
		)
		const refused = await t.services.workflows.prepare(user.id, paid)
		expect(refused).toMatchObject({ refused: true, status: 402, code: 'budget_exceeded' })
		expect(await t.services.workflows.prepare(user.id, free)).toMatchObject({
			estimate: { minMicros: 0, maxMicros: 0 },
		})
	})

	test('an invalid workflow is refused with every problem keyed by its node', async () => {
		const user = await createUser(t.services.db)
		const broken = {
			...topicPostRead('offline:image', 'offline:speech'),
			edges: [edge('topic', 'text', 'post', 'prompt')],
		}
		const refused = await t.services.workflows.prepare(user.id, broken)
		expect(refused).toEqual({
			refused: true,
			status: 422,
			code: 'invalid_workflow',
			message: 'Post: Offline demo images cannot chat; pick another model. (and 1 more problem)',
			fields: {
				post: ['Offline demo images cannot chat; pick another model.'],
				read: ['Read aloud needs its “text” input connected.'],
			},
		})
	})

	test('a model whose provider is not configured here is refused before pricing', async () => {
		const user = await createUser(t.services.db)
		const replicate = {
			...free,
			nodes: [...free.nodes, { id: 'bed', name: 'Bed', kind: 'music', model: 'replicate:meta/musicgen' }],
			edges: [...free.edges, edge('topic', 'text', 'bed', 'prompt')],
		}
		expect(await t.services.workflows.prepare(user.id, replicate)).toMatchObject({
			status: 422,
			fields: { bed: [expect.stringContaining('not available on this server')] },
		})
	})
})
