/**
 * Starts the built server (build/server.js, with telemetry loaded first) as a child process on a free port
 * and a throw-away data directory, the way `npm start` runs it, and collects what it logs.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { waitFor } from './wait.ts'

export type RunningServer = {
	url: string
	port: number
	child: ChildProcess
	/** Everything the process wrote to stdout and stderr so far. */
	output(): string
	/** Resolves with the exit code once the process has exited. */
	exited: Promise<number | null>
	stop(signal?: NodeJS.Signals): Promise<number | null>
}

// Tests and benches always run from the repository root (npm scripts, vitest).
const ROOT = process.cwd()

/**
 * Processes on one Postgres database are one deployment: they share a media directory and a session secret
 * (docs/operations.md), as tests that start several servers, or restart one, on the same database expect.
 */
function deploymentDefaults(env: Record<string, string>): Record<string, string> {
	if (!env.DATABASE_URL) return {}
	// Keyed by the database's name: a test may reach the same database through a proxy on another port.
	const id = createHash('sha256').update(new URL(env.DATABASE_URL).pathname).digest('hex').slice(0, 16)
	const mediaDir = path.join(tmpdir(), `gs-test-media-${id}`)
	mkdirSync(mediaDir, { recursive: true })
	// A production start is about its own secrets: it gets none from here.
	if (env.NODE_ENV === 'production') return { MEDIA_DIR: mediaDir }
	return { MEDIA_DIR: mediaDir, SESSION_SECRET: `test-deployment-secret-${id}-0123456789abcdef` }
}

export function spawnServer(env: Record<string, string> = {}, args: string[] = []) {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-test-'))
	const child = spawn(
		process.execPath,
		['--enable-source-maps', '--import', './build/telemetry.js', './build/server.js', ...args],
		{
			cwd: ROOT,
			env: {
				PATH: process.env.PATH ?? '',
				HOME: process.env.HOME ?? '',
				NODE_ENV: 'test',
				HOST: '127.0.0.1',
				PORT: '0',
				DATA_DIR: dataDir,
				LOG_LEVEL: 'http',
				...deploymentDefaults(env),
				...env,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	)
	let output = ''
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
	const exited = new Promise<number | null>(resolve => {
		child.on('exit', code => {
			rmSync(dataDir, { recursive: true, force: true })
			resolve(code)
		})
	})
	return { child, exited, output: () => output, dataDir }
}

/** Starts the server and waits until it listens; fails with its output if it exits first. */
export async function startServer(
	env: Record<string, string> = {},
	timeoutMs = 60_000,
	args: string[] = [],
): Promise<RunningServer> {
	const { child, exited, output } = spawnServer(env, args)
	const port = await waitFor(
		'the server to listen',
		() => {
			const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output()) ?? /"port":(\d+)/.exec(output())
			if (match?.[1]) return Number(match[1])
			if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`)
			return 0
		},
		{ timeoutMs, intervalMs: 50, detail: () => `not started in ${timeoutMs} ms:\n${output()}` },
	).catch((error: unknown) => {
		if (child.exitCode === null) child.kill('SIGKILL')
		throw error
	})
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		child,
		output,
		exited,
		async stop(signal = 'SIGTERM') {
			if (child.exitCode === null) child.kill(signal)
			return exited
		},
	}
}

export type ReadinessReport = { status: string; checks: Record<string, string> }

/** What `/healthz` and then `/readyz` answer (status code and JSON), as a load balancer or an orchestrator asks. */
export async function probe(url: string) {
	const health = await fetch(`${url}/healthz`)
	const healthBody = (await health.json()) as Record<string, unknown>
	const ready = await fetch(`${url}/readyz`)
	return {
		health: { status: health.status, body: healthBody },
		ready: { status: ready.status, report: (await ready.json()) as ReadinessReport },
	}
}
