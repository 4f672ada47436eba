/**
 * A workflow run survives its process being killed, on PGlite and (with DATABASE_URL) Postgres. A real process
 * (run-worker.ts: the studio's services and workers) starts a run whose paid chat node the provider holds back;
 * when the quick nodes have finished and the chat node is running, the process is killed with SIGKILL. A second
 * process on the same database finishes the run: each node ran once (one output per node, the finished ones
 * unchanged), and the chat call cut off by the kill is made again — it was never stored. Separately, in process:
 * a chat node whose result was stored before a crash is not called again when its job is retried.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDb } from '#server/db/index.ts'
import type { Db } from '#server/db/index.ts'
import { startOpenAIStub, type OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { createTestDb, createUser, testDrivers, type TestDb } from '#tests/support/database.ts'
import { waitFor } from '#tests/support/wait.ts'
import { edge, saveWorkflow, settleRun, startRun } from '#tests/support/workflows.ts'
import { openaiEnv, requestsFrom, useTestServices } from '#tests/support/suite-services.ts'

const workerScript = fileURLToPath(new URL('./run-worker.ts', import.meta.url))

type NodeState = [id: string, status: string, generationId: string | null, completedAt: string | null]
type Snapshot = { status: string; nodes: NodeState[] }

type Worker = { child: ChildProcessWithoutNullStreams; output(): string; exited: Promise<unknown> }

function startWorker(env: Record<string, string>, args: string[] = []): Worker {
	const child = spawn(process.execPath, ['--import', 'tsx', workerScript, ...args], {
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'error', ...env },
	})
	let output = ''
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
	const exited = new Promise(resolve => child.on('exit', resolve))
	return { child, output: () => output, exited }
}

/** The last node snapshot a worker printed. */
function lastSnapshot(worker: Worker): Snapshot | null {
	const lines = worker
		.output()
		.split('\n')
		.filter(l => l.startsWith('nodes '))
	const last = lines.at(-1)
	return last ? (JSON.parse(last.slice('nodes '.length)) as Snapshot) : null
}

describe.each(testDrivers())('workflow durability on %s', driver => {
	let openai: OpenAIStub

	beforeAll(async () => {
		openai = await startOpenAIStub()
	})
	afterAll(async () => {
		await openai?.close()
	})

	test('SIGKILL mid-run: after a restart the run completes, each node ran once, nothing finished is lost', async () => {
		const t: TestDb = await createTestDb(driver)
		// PGlite has one process per data directory: the workers take turns with it, the test reads it after.
		if (driver === 'pglite') await t.db.close()
		const env: Record<string, string> = {
			...(t.connectionString ? { DATABASE_URL: t.connectionString } : { DATA_DIR: t.config.dataDir }),
			OPENAI_API_KEY: 'sk-test',
			OPENAI_BASE_URL: openai.url,
			RATE_LIMITS: 'generation=1000/60',
			JOB_LEASE_SECONDS: '2',
		}
		let db: Db | null = null
		const workers: Worker[] = []
		try {
			// The first chat call is held back long past the kill; later ones are answered at once.
			openai.enqueue('chat', { delayMs: 60_000 })
			const first = startWorker(env, ['start'])
			workers.push(first)
			const [, userId, runId] =
				(await waitFor('the run to start', () => /^run (\S+) (\S+)$/m.exec(first.output()), { timeoutMs: 60_000 })) ??
				[]
			if (!userId || !runId) throw new Error(first.output())
			// Killed while the chat node runs, after every other node that can has finished.
			const before = await waitFor(
				'the quick nodes to finish while the chat node runs',
				() => {
					const snap = lastSnapshot(first)
					const status = Object.fromEntries(snap?.nodes.map(n => [n[0], n[1]]) ?? [])
					return status.post === 'running' && ['topic', 'ask', 'pic', 'say'].every(id => status[id] === 'succeeded')
						? snap
						: null
				},
				{ timeoutMs: 60_000 },
			)
			await waitFor('the chat call to reach the provider', () => openai.requests.some(r => r.route === 'chat'))
			first.child.kill('SIGKILL')
			await first.exited

			const second = startWorker({ ...env, RUN_ID: runId, USER_ID: userId })
			workers.push(second)
			const after = await waitFor(
				'the run to finish after the restart',
				() => {
					const snap = lastSnapshot(second)
					return snap && snap.status !== 'running' ? snap : null
				},
				{ timeoutMs: 90_000 },
			)
			second.child.kill('SIGTERM')
			await second.exited

			expect(after.status).toBe('succeeded')
			expect(after.nodes.map(n => [n[0], n[1]])).toEqual([
				['topic', 'succeeded'],
				['ask', 'succeeded'],
				['post', 'succeeded'],
				['pic', 'succeeded'],
				['say', 'succeeded'],
				['out', 'succeeded'],
			])
			// What had finished before the kill is exactly as it was: same output item, same completion time.
			for (const id of ['topic', 'ask', 'pic', 'say']) {
				expect(
					after.nodes.find(n => n[0] === id),
					id,
				).toEqual(before.nodes.find(n => n[0] === id))
			}
			// The cut-off call was never stored, so it was made again: two calls, one kept.
			expect(openai.requests.filter(r => r.route === 'chat')).toHaveLength(2)

			db = driver === 'pglite' ? await createDb(t.config) : t.db
			const rows = await db.privileged(tx =>
				tx.query<{ key: string; n: number }>(
					`select idempotency_key as key, count(*)::int as n from generations where user_id = $1 group by 1 order by 1`,
					[userId],
				),
			)
			// One library item per node that makes one (the picture, the speech, the chat reply), each once.
			expect(rows.rows).toEqual(
				['pic', 'post', 'say']
					.map(id => ({ key: `workflow:${runId}:${id}`, n: 1 }))
					.sort((a, b) => a.key.localeCompare(b.key)),
			)
			const usage = await db.privileged(tx =>
				tx.query<{ n: number }>(`select count(*)::int as n from api_usage where user_id = $1 and capability = 'chat'`, [
					userId,
				]),
			)
			expect(usage.rows[0]?.n).toBe(1)
		} catch (error) {
			throw new Error(`${(error as Error).message}\n${workers.map(w => w.output().slice(-3000)).join('\n---\n')}`)
		} finally {
			for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL')
			await Promise.all(workers.map(w => w.exited))
			if (driver === 'pglite') await db?.close()
			await t.dispose().catch(() => undefined)
		}
	}, 240_000)
})

describe.each(testDrivers())('a retried chat node on %s', driver => {
	const t = useTestServices(driver, {
		stubs: { openai: () => startOpenAIStub() },
		env: stubs => ({ ...openaiEnv(stubs.openai), RATE_LIMITS: 'generation=1000/60' }),
	})

	test('a chat result stored before a crash is reused by the retry: the provider is not called again', async () => {
		const user = await createUser(t.services.db)
		const id = await saveWorkflow(t.services, user.id, {
			version: 1,
			nodes: [
				{ id: 'ask', name: 'Ask', kind: 'text', value: 'Say hello.' },
				{ id: 'post', name: 'Post', kind: 'chat', model: 'openai:gpt-4o-mini' },
			],
			edges: [edge('ask', 'text', 'post', 'prompt')],
		})
		const runId = await startRun(t.services, user.id, id)
		const done = await settleRun(t.services, user.id, runId)
		const post = done.nodes.find(n => n.nodeId === 'post')
		expect(post?.status).toBe('succeeded')
		const chats = requestsFrom(t.stubs.openai, 'chat')
		// As a crash after the result was stored and before the node finished leaves it (the node not finished, the
		// run going), with a job to take the node again.
		await t.services.db.privileged(async tx => {
			await tx.query(`update workflow_runs set status = 'running', completed_at = null where id = $1`, [runId])
			await tx.query(
				`update workflow_node_runs set status = 'queued', output = null, completed_at = null
				 where run_id = $1 and node_id = 'post'`,
				[runId],
			)
			await t.services.jobs.enqueue(tx, 'workflow.run', { runId, nodeId: 'post' })
		})
		t.services.jobs.wake('workflow.run')
		const again = await settleRun(t.services, user.id, runId)
		expect(again.nodes.find(n => n.nodeId === 'post')).toMatchObject({
			status: 'succeeded',
			output: post?.output,
			generationId: post?.generationId,
		})
		expect(chats()).toHaveLength(0)
		const usage = await t.services.db.privileged(tx =>
			tx.query<{ n: number }>(`select count(*)::int as n from api_usage where user_id = $1 and capability = 'chat'`, [
				user.id,
			]),
		)
		expect(usage.rows[0]?.n).toBe(1)
	})
})
