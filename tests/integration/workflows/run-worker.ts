/**
 * Run as a separate process by durability.test.ts: the studio's services with their workers on the database the
 * environment names (DATA_DIR or DATABASE_URL). With `start`, it first saves a workflow for a new user and
 * starts it (`run <userId> <runId>` on stdout). With RUN_ID set, it prints the run's nodes every 100 ms
 * (`nodes <json>`: id, status, generation id, completed at) until the test kills it.
 * Usage: node --import tsx run-worker.ts [start]
 */
import { loadConfig } from '#server/config.ts'
import { createServices } from '#server/services.ts'
import { sleep } from '#server/sleep.ts'
import { createUser } from '#tests/support/database.ts'
import { wires } from '#tests/support/workflows.ts'

/** Four quick nodes and a paid chat node that the test's provider holds back, all collected. */
export const DURABLE_WORKFLOW = {
	version: 1,
	nodes: [
		{ id: 'topic', name: 'Topic', kind: 'text', value: 'the night ferry' },
		{ id: 'ask', name: 'Ask', kind: 'template', template: 'Two lines about {{topic}}.' },
		{ id: 'post', name: 'Post', kind: 'chat', model: 'openai:gpt-4o-mini' },
		{ id: 'pic', name: 'Picture', kind: 'image', model: 'offline:image' },
		{ id: 'say', name: 'Say', kind: 'speech', model: 'offline:speech' },
		{ id: 'out', name: 'Result', kind: 'collect' },
	],
	edges: wires(
		'topic.text>ask.topic ask.text>post.prompt ask.text>pic.prompt',
		'ask.text>say.text post.text>out.items pic.image>out.items',
		'say.audio>out.items',
	),
}

// No top-level await: the package is CommonJS, so tsx compiles this file as such.
async function main(mode: string | undefined) {
	const services = await createServices(loadConfig({ ...process.env, NODE_ENV: 'test' }, []))
	let runId = process.env.RUN_ID ?? ''
	let userId = process.env.USER_ID ?? ''
	if (mode === 'start') {
		const user = await createUser(services.db)
		userId = user.id
		const created = await services.workflows.create(user, 'Durable', DURABLE_WORKFLOW)
		if ('refused' in created) throw new Error(created.message)
		const started = await services.workflows.runs.start(user, created.id)
		if ('refused' in started) throw new Error(started.message)
		runId = started.runId
		process.stdout.write(`run ${userId} ${runId}\n`)
	}
	await services.startWorkers()
	process.stdout.write('ready\n')
	for (;;) {
		const run = await services.workflows.runs.get({ id: userId }, runId)
		if (!('refused' in run)) {
			const nodes = run.nodes.map(n => [n.nodeId, n.status, n.generationId, n.completedAt?.toISOString() ?? null])
			process.stdout.write(`nodes ${JSON.stringify({ status: run.status, nodes })}\n`)
		}
		// The parent test reads these reports and decides when to kill this process; this only paces them.
		await sleep(100)
	}
}

main(process.argv[2]).catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
	process.exitCode = 1
})
