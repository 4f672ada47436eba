/**
 * Redis for tests. `startPrivateRedis()` runs a throwaway `redis-server` on a free loopback port in a temp
 * directory, which a test may stop and start again on the same port (to pull the plug on a client).
 * `sharedRedisUrl()` is the machine's Redis when REDIS_URL is set; tests on it use a unique key prefix
 * (`uniqueKeyPrefix`) and delete their keys afterwards (`deleteKeys`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { waitFor } from './wait.ts'

export function sharedRedisUrl(): string | null {
	return process.env.REDIS_URL?.trim() || null
}

export function uniqueKeyPrefix(label = 'test'): string {
	return `gs_test:${label}:${randomBytes(6).toString('hex')}`
}

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared server is not stalled). */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
	const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
	await client.connect()
	let deleted = 0
	try {
		let cursor = '0'
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
			cursor = next
			if (keys.length > 0) deleted += await client.del(...keys)
		} while (cursor !== '0')
	} finally {
		await client.quit()
	}
	return deleted
}

/** Keys under `prefix`, for asserting what a test left behind. */
export async function listKeys(url: string, prefix: string): Promise<string[]> {
	const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
	await client.connect()
	try {
		const found: string[] = []
		let cursor = '0'
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
			cursor = next
			found.push(...keys)
		} while (cursor !== '0')
		return found
	} finally {
		await client.quit()
	}
}

export type PrivateRedis = {
	readonly port: number
	readonly url: string
	readonly running: boolean
	/** Starts (again) on the same port; resolves once it answers PING. */
	start(): Promise<void>
	/** `hard` kills it without a goodbye, the way a crash or a pulled cable looks to clients. */
	stop(options?: { hard?: boolean }): Promise<void>
	/** Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung host. */
	pause(): void
	resume(): void
	/** Stops it and removes its directory. */
	cleanup(): Promise<void>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
	for (const child of running) child.kill('SIGKILL')
})

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer()
		server.unref()
		server.on('error', reject)
		server.listen(0, '127.0.0.1', () => {
			const address = server.address()
			server.close(() => {
				if (address && typeof address === 'object') resolve(address.port)
				else reject(new Error('no port'))
			})
		})
	})
}

/**
 * Starts a private redis-server. Pass `start: false` to get a port with nothing listening yet (for testing
 * a client that starts while Redis is down), then call `start()`.
 */
export async function startPrivateRedis(options: { start?: boolean } = {}): Promise<PrivateRedis> {
	const dir = mkdtempSync(join(tmpdir(), 'gs-redis-'))
	let port = await freePort()
	let child: ChildProcess | null = null
	let output = ''

	const launch = async () => {
		output = ''
		const proc = spawn(
			'redis-server',
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
			{ cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
		)
		child = proc
		running.add(proc)
		proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
		proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
		const exited = new Promise<never>((_resolve, reject) => {
			proc.once('error', error => reject(new Error(`redis-server could not start: ${error.message}`)))
			proc.once('exit', code => reject(new Error(`redis-server exited (${code}) on port ${port}:\n${output}`)))
		})
		exited.catch(() => undefined)
		proc.once('exit', () => {
			running.delete(proc)
			if (child === proc) child = null
		})
		// Wait for this process's own "ready" line, not just any PONG: another server may have taken the port.
		await Promise.race([waitForReady(() => output, port, 10_000), exited])
	}

	const handle: PrivateRedis = {
		get port() {
			return port
		},
		get url() {
			return `redis://127.0.0.1:${port}`
		},
		get running() {
			return child !== null
		},
		async start() {
			if (child) return
			await launch()
		},
		async stop({ hard = false } = {}) {
			const proc = child
			if (!proc) return
			const gone = new Promise<void>(resolve => proc.once('exit', () => resolve()))
			proc.kill(hard ? 'SIGKILL' : 'SIGTERM')
			await gone
		},
		pause() {
			if (!child) throw new Error('redis-server is not running')
			child.kill('SIGSTOP')
		},
		resume() {
			child?.kill('SIGCONT')
		},
		async cleanup() {
			await handle.stop({ hard: true })
			rmSync(dir, { recursive: true, force: true })
		},
	}

	if (options.start !== false) {
		// Another process may grab the port between probing and binding: try a few.
		for (let attempt = 1; ; attempt++) {
			try {
				await launch()
				break
			} catch (error) {
				if (attempt >= 3) {
					rmSync(dir, { recursive: true, force: true })
					throw error
				}
				port = await freePort()
			}
		}
	}
	return handle
}

async function waitForReady(output: () => string, port: number, timeoutMs: number): Promise<void> {
	await waitFor(
		`redis-server on port ${port} to answer`,
		async () => output().includes('Ready to accept connections') && (await ping(port)),
		{ timeoutMs, detail: () => output() },
	)
}

function ping(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = createConnection({ host: '127.0.0.1', port })
		let reply = ''
		const done = (ok: boolean) => {
			socket.destroy()
			resolve(ok)
		}
		socket.setTimeout(1_000, () => done(false))
		socket.on('error', () => done(false))
		socket.on('connect', () => socket.write('PING\r\n'))
		socket.on('data', chunk => {
			reply += chunk.toString()
			if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
		})
	})
}
