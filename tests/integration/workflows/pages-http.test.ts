/**
 * The workflow pages through the built server's routes, as a browser without JavaScript uses them: signed out is
 * sent to sign in; a workflow made and edited by its forms (post/redirect/get); a bad value a 422 with the page
 * and the node's message beside it; the canvas's whole-definition save checked by the same schema; a run over
 * budget refused with a clear message before anything is called; export and import; another person gets 404 on
 * every route; the `write` limit from the route table answers 429.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'

describe('workflow pages over HTTP', () => {
	let server: RunningServer

	beforeAll(async () => {
		// A key makes the OpenAI models available (nothing here calls them); a budget of $0.01 a month.
		server = await startServer(
			{ RATE_LIMITS: 'signup=1000/3600,write=60/60', OPENAI_API_KEY: 'sk-test', MONTHLY_BUDGET_USD: '0.01' },
			180_000,
		)
	}, 200_000)
	afterAll(async () => {
		await server?.stop()
	})

	const get = (user: SignedIn | null, path: string) =>
		fetch(`${server.url}${path}`, { redirect: 'manual', ...(user ? { headers: as(user, server.url) } : {}) })
	const post = (user: SignedIn, path: string, form: Record<string, string>) =>
		fetch(`${server.url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, server.url, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: new URLSearchParams(form).toString(),
		})
	async function create(user: SignedIn, name: string): Promise<string> {
		const response = await post(user, '/workflows?index', { intent: 'create', name })
		expect(response.status).toBe(303)
		const id = /\/workflows\/([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')?.[1]
		if (!id) throw new Error(`no workflow in ${response.headers.get('location')}`)
		return id
	}

	test('signed out, every workflow route sends the visitor to sign in', async () => {
		const id = crypto.randomUUID()
		for (const path of ['/workflows', `/workflows/${id}`, `/workflows/${id}/export`, `/workflows/${id}/runs/${id}`]) {
			const response = await get(null, path)
			expect([302, 303]).toContain(response.status)
			expect(response.headers.get('location')).toMatch(/^\/login/)
		}
		expect((await get(null, `/api/workflows/runs/${id}/events`)).status).toBe(401)
	})

	test('forms build a workflow; a bad value is a 422 beside its node; over budget a run is refused; others get 404', async () => {
		const owner = await signUp(server.url)
		const other = await signUp(server.url)
		const id = await create(owner, 'Over HTTP')
		const path = `/workflows/${id}`
		const add = await post(owner, path, { intent: 'add', kind: 'chat' })
		expect(add.status).toBe(303)
		expect(add.headers.get('location')).toBe(`${path}#node-chat1`)
		expect((await post(owner, path, { intent: 'add', kind: 'text' })).status).toBe(303)

		// The chat node's prompt comes from the text; its model is a paid one.
		const saved = await post(owner, path, {
			intent: 'update',
			nodeId: 'chat1',
			name: 'Writer',
			model: 'openai:gpt-4o',
			'f.maxTokens': '16000',
			'in.prompt.0': 'text1.text',
		})
		expect(saved.status).toBe(303)
		const page = await (await get(owner, path)).text()
		expect(page).toContain('data-node-id="chat1"')
		expect(page).toContain('data-testid="estimate-total"')

		const bad = await post(owner, path, {
			intent: 'update',
			nodeId: 'chat1',
			name: 'Writer',
			model: 'openai:gpt-4o',
			'f.maxTokens': 'many',
		})
		expect(bad.status).toBe(422)
		const badPage = await bad.text()
		expect(badPage).toContain('Max tokens must be a number.')
		expect(badPage).toContain('value="many"')

		const wrongType = await post(owner, path, { intent: 'definition', definition: '{"version":1,"nodes":[{}]' })
		expect(wrongType.status).toBe(400)
		const malformed = await post(owner, path, {
			intent: 'definition',
			definition: JSON.stringify({
				version: 1,
				nodes: [{ id: 'a', name: 'A', kind: 'text', value: 'x', extra: 1 }],
				edges: [],
			}),
		})
		expect(malformed.status).toBe(422)

		// Up to 16,000 tokens of gpt-4o is more than $0.01: refused before anything runs.
		const run = await post(owner, path, { intent: 'run' })
		expect(run.status).toBe(402)
		expect(await run.text()).toContain('This would go over your monthly budget')

		// Export, then import it back as a new workflow.
		const exported = await get(owner, `${path}/export`)
		expect(exported.status).toBe(200)
		expect(exported.headers.get('content-disposition')).toBe('attachment; filename="Over HTTP.json"')
		const file = (await exported.json()) as { definition: { nodes: Array<{ id: string }> } }
		expect(file.definition.nodes.map(n => n.id)).toEqual(['chat1', 'text1'])
		const imported = await post(owner, '/workflows?index', { intent: 'import', json: JSON.stringify(file) })
		expect(imported.status).toBe(303)
		expect(imported.headers.get('location')).not.toBe(path)

		// Another person: nothing of it exists.
		expect((await get(other, path)).status).toBe(404)
		expect((await get(other, `${path}/export`)).status).toBe(404)
		expect((await post(other, path, { intent: 'rename', name: 'Mine' })).status).toBe(404)
		expect((await post(other, path, { intent: 'run' })).status).toBe(404)
		expect((await post(other, '/workflows?index', { intent: 'delete', id })).status).toBe(404)
		expect((await get(owner, path)).status).toBe(200)
	})

	test('the write limit answers 429 with Retry-After', async () => {
		const user = await signUp(server.url)
		const id = await create(user, 'Busy')
		let last: Response | null = null
		for (let i = 0; i < 70; i++) {
			last = await post(user, `/workflows/${id}`, { intent: 'move-up', nodeId: 'none' })
			if (last.status === 429) break
		}
		expect(last?.status).toBe(429)
		expect(last?.headers.get('retry-after')).toBeTruthy()
	})
})
