/**
 * Workflow runs on PGlite and (with DATABASE_URL) Postgres, with the job engine and the generation pipeline
 * running on the offline provider: nodes run once their inputs are ready, media nodes make library items, a
 * failed node stops only what depends on it, cancel stops pending nodes, over budget nothing starts, a node
 * job delivered twice does nothing the second time, and one person cannot see or touch another's runs.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Services } from '#server/services.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { startTestServices } from '#tests/support/services.ts'
import type { TestServices } from '#tests/support/services.ts'
import { waitFor } from '#tests/support/wait.ts'
import { edge, saveWorkflow, settleRun, startRun as startRunOf, wires } from '#tests/support/workflows.ts'

/** Topic → two templates side by side → a chat reply and an image → collected. */
const diamond = {
	version: 1,
	nodes: [
		{ id: 'topic', name: 'Topic', kind: 'text', value: 'tide pools' },
		{ id: 'ask', name: 'Ask', kind: 'template', template: 'Write two lines about {{topic}}.' },
		{ id: 'art', name: 'Art prompt', kind: 'template', template: 'A watercolour of {{topic}}' },
		{ id: 'post', name: 'Post', kind: 'chat', model: 'offline:chat' },
		{ id: 'pic', name: 'Picture', kind: 'image', model: 'offline:image' },
		{ id: 'out', name: 'Result', kind: 'collect' },
	],
	edges: wires(
		'topic.text>ask.topic topic.text>art.topic ask.text>post.prompt',
		'art.text>pic.prompt post.text>out.items pic.image>out.items',
	),
}

async function closedPort(): Promise<number> {
	const server = net.createServer()
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
	const port = (server.address() as net.AddressInfo).port
	await new Promise(resolve => server.close(resolve))
	return port
}

describe.each(testDrivers())('workflow runs on %s', driver => {
	let t: TestServices
	let services: Services

	// The shared helpers, with this suite's services.
	const settle = (userId: string, runId: string) => settleRun(services, userId, runId, 30_000)
	const workflow = (userId: string, definition: unknown) => saveWorkflow(services, userId, definition)
	const startRun = (userId: string, workflowId: string) => startRunOf(services, userId, workflowId)
	/** Until no `workflow.run` job is waiting: every job delivered has been taken (and done, or dropped). */
	const drained = () =>
		waitFor(
			'every workflow.run job to be taken',
			async () => (await services.jobs.pendingCount('workflow.run')) === 0,
			{
				timeoutMs: 10_000,
				intervalMs: 100,
			},
		)

	const count = async (sql: string, params: unknown[]) =>
		Number((await services.db.privileged(tx => tx.query<{ n: number }>(sql, params))).rows[0]?.n)

	let canceledRun: { userId: string; runId: string }

	beforeAll(async () => {
		// OpenAI is "configured" at a port nothing listens on: its calls fail at once, offline models work.
		t = await startTestServices(
			driver,
			{
				OPENAI_API_KEY: 'sk-test',
				OPENAI_BASE_URL: `http://127.0.0.1:${await closedPort()}/v1`,
				RATE_LIMITS: 'generation=1000/60',
			},
			{ workers: false },
		)
		services = t.services
		// Before any worker runs: a run canceled while all its nodes are pending.
		const user = await createUser(services.db)
		const runId = await startRun(user.id, await workflow(user.id, diamond))
		const canceled = await services.workflows.runs.cancel(user, runId)
		if ('refused' in canceled) throw new Error(canceled.message)
		canceledRun = { userId: user.id, runId }
		await services.startWorkers()
	})
	afterAll(async () => {
		await t?.dispose()
	})

	test('nodes run once their inputs are ready; media outputs are library items linked to the node', async () => {
		const user = await createUser(services.db)
		const runId = await startRun(user.id, await workflow(user.id, diamond))
		const run = await settle(user.id, runId)
		expect(run.status).toBe('succeeded')
		expect(run.nodes.map(n => [n.nodeId, n.status])).toEqual(diamond.nodes.map(n => [n.id, 'succeeded']))
		const node = Object.fromEntries(run.nodes.map(n => [n.nodeId, n]))
		for (const e of diamond.edges) {
			const from = node[e.from.node]
			const to = node[e.to.node]
			expect(to?.startedAt?.getTime()).toBeGreaterThanOrEqual(from?.completedAt?.getTime() ?? Infinity)
		}
		expect(node.ask?.output).toEqual({ type: 'text', text: 'Write two lines about tide pools.' })
		expect(node.post?.output).toMatchObject({ type: 'text', text: expect.any(String) })
		const pictureId = node.pic?.generationId
		expect(node.pic?.output).toEqual({ type: 'image', generationId: pictureId })
		const picture = await services.generations.get(user, pictureId ?? '')
		expect(picture).toMatchObject({ status: 'succeeded', kind: 'image', prompt: 'A watercolour of tide pools' })
		expect(node.out?.output).toEqual({
			type: 'collection',
			items: [
				{ nodeId: 'post', output: node.post?.output },
				{ nodeId: 'pic', output: node.pic?.output },
			],
		})
	})

	test('a failed node stops only what depends on it, and the run says which failed', async () => {
		const user = await createUser(services.db)
		const definition = {
			...diamond,
			nodes: diamond.nodes.map(n => (n.id === 'post' ? { ...n, name: 'Paid post', model: 'openai:gpt-4o-mini' } : n)),
			edges: diamond.edges.filter(e => e.to.node !== 'out').concat([edge('pic', 'image', 'out', 'items')]),
		}
		definition.nodes.push({ id: 'read', name: 'Read aloud', kind: 'speech', model: 'offline:speech' })
		definition.edges.push(edge('post', 'text', 'read', 'text'))
		const run = await settle(user.id, await startRun(user.id, await workflow(user.id, definition)))
		const status = Object.fromEntries(run.nodes.map(n => [n.nodeId, n.status]))
		expect(status).toEqual({
			topic: 'succeeded',
			ask: 'succeeded',
			art: 'succeeded',
			post: 'failed',
			pic: 'succeeded',
			out: 'succeeded',
			read: 'canceled',
		})
		expect(run.nodes.find(n => n.nodeId === 'read')?.error).toBe('Not run: “Paid post” failed.')
		expect(run.status).toBe('failed')
		expect(run.error).toBe('Failed: “Paid post”.')
	})

	test('cancel stops the pending nodes; their jobs do nothing when they come', async () => {
		const { userId, runId } = canceledRun
		// The workers have started since: the canceled run's queued root job is taken and dropped.
		await drained()
		const run = await services.workflows.runs.get({ id: userId }, runId)
		if ('refused' in run) throw new Error(run.message)
		expect(run.status).toBe('canceled')
		expect(run.nodes.map(n => n.status)).toEqual(diamond.nodes.map(() => 'canceled'))
		expect(run.nodes.every(n => n.startedAt === null)).toBe(true)
		expect(await count('select count(*)::int as n from generations where user_id = $1', [userId])).toBe(0)
		expect(await services.workflows.runs.cancel({ id: userId }, runId)).toMatchObject({ status: 409 })
	})

	test('over budget, a run is refused before anything is created or called', async () => {
		const user = await createUser(services.db, { monthlyBudgetUsd: 0 })
		const paid = {
			...diamond,
			nodes: diamond.nodes.map(n => (n.id === 'pic' ? { ...n, model: 'openai:gpt-image-1' } : n)),
		}
		const id = await workflow(user.id, paid)
		expect(await services.workflows.runs.start(user, id)).toMatchObject({
			refused: true,
			status: 402,
			code: 'budget_exceeded',
		})
		expect(await count('select count(*)::int as n from workflow_runs where user_id = $1', [user.id])).toBe(0)
		expect(await count('select count(*)::int as n from workflow_node_runs where user_id = $1', [user.id])).toBe(0)
	})

	test('a node job delivered again does nothing: no second output, the node unchanged', async () => {
		const user = await createUser(services.db)
		const runId = await startRun(user.id, await workflow(user.id, diamond))
		const first = await settle(user.id, runId)
		await services.db.privileged(async tx => {
			for (const nodeId of ['pic', 'post', 'topic']) await services.jobs.enqueue(tx, 'workflow.run', { runId, nodeId })
		})
		services.jobs.wake('workflow.run')
		await drained()
		const again = await services.workflows.runs.get(user, runId)
		expect(again).toEqual(first)
		// The picture and the chat reply (kept as a text item): one each.
		expect(
			await count(
				'select count(*)::int as n from generations where user_id = $1 group by kind order by 1 desc limit 1',
				[user.id],
			),
		).toBe(1)
		expect(await count('select count(*)::int as n from generations where user_id = $1', [user.id])).toBe(2)
	})

	test("one person cannot start, read or cancel another's workflow runs", async () => {
		const owner = await createUser(services.db)
		const other = await createUser(services.db)
		const id = await workflow(owner.id, diamond)
		const runId = await startRun(owner.id, id)
		expect(await services.workflows.runs.start(other, id)).toMatchObject({ status: 404 })
		expect(await services.workflows.runs.get(other, runId)).toMatchObject({ status: 404 })
		expect(await services.workflows.runs.cancel(other, runId)).toMatchObject({ status: 404 })
		const seen = await services.db.asUser(other.id, tx =>
			tx.query('select * from workflow_node_runs where run_id = $1', [runId]),
		)
		expect(seen.rows).toHaveLength(0)
		expect((await settle(owner.id, runId)).status).toBe('succeeded')
	})
})
