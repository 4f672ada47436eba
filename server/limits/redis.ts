/** The rate limits' Redis connection: deadlines, a circuit breaker, and telling a restart from a reset. */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { logger } from '#server/logger.ts'
import {
	DEFAULT_BREAKER_THRESHOLD,
	DEFAULT_COMMAND_TIMEOUT_MS,
	DEFAULT_CONNECT_TIMEOUT_MS,
	DEFAULT_KEY_PREFIX,
	DEFAULT_PROBE_INTERVAL_MS,
	MAX_RECONNECT_DELAY_MS,
	type LimitsHealth,
	type LimitsOptions,
} from './types.ts'

export type RedisHandle = {
	client: Redis
	health(): Promise<LimitsHealth>
	/** Whether to ask Redis at all: false while disconnected or while the breaker is open. */
	usable(): boolean
	/** A command was answered: the breaker's count of consecutive failures starts again. */
	answered(): void
	/** A command failed or missed its deadline; enough of these in a row open the breaker. */
	failed(): void
	isDown(): boolean
	/** When a reconnection last found Redis emptied (restart, flush), or null. */
	lostDataAt(): number | null
	describe(): string
	close(): Promise<void>
}

/**
 * One ioredis connection for all limiters. It never throws at start-up: an unreachable Redis is logged and
 * the limiters serve from memory while ioredis keeps reconnecting with backoff.
 */
export async function connectRedis(options: LimitsOptions): Promise<RedisHandle> {
	const url = options.redisUrl ?? ''
	const where = describeUrl(url)
	const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
	const threshold = options.breakerThreshold ?? DEFAULT_BREAKER_THRESHOLD
	const probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS
	const client = new Redis(url, {
		lazyConnect: true,
		// Queued commands would wait for a reconnection: fail them instead so the memory limiter answers now.
		enableOfflineQueue: false,
		commandTimeout: commandTimeoutMs,
		connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
		maxRetriesPerRequest: 1,
		retryStrategy: times => Math.min(100 * 2 ** (times - 1), MAX_RECONNECT_DELAY_MS),
		connectionName: 'generation-studio:limits',
	})

	let closing = false
	let lastError: string | null = null
	let degraded = false
	/** Consecutive commands that failed or missed their deadline on a connected client. */
	let failures = 0
	/** Set while the breaker is open: Redis is only probed, requests are counted in memory. */
	let probe: NodeJS.Timeout | null = null

	const markDown = (reason: string) => {
		lastError = reason
		if (degraded || closing) return
		degraded = true
		logger.warn('rate limits: Redis unavailable, counting in memory until it returns', { redis: where, reason })
	}
	const markUp = () => {
		if (probe) clearInterval(probe)
		probe = null
		failures = 0
		if (degraded && !closing) logger.info('rate limits: Redis connection restored', { redis: where })
		degraded = false
		lastError = null
	}
	const openBreaker = () => {
		if (probe || closing) return
		markDown(`no answer within ${commandTimeoutMs} ms`)
		let probing = false
		probe = setInterval(() => {
			if (probing || client.status !== 'ready') return
			probing = true
			client
				.ping()
				.then(markUp, () => undefined)
				.finally(() => {
					probing = false
				})
		}, probeIntervalMs)
		probe.unref()
	}
	// Without an 'error' listener ioredis prints every failed reconnection to the console.
	client.on('error', (error: Error) => markDown(error.message))
	client.on('close', () => markDown(lastError ?? 'connection closed'))
	/**
	 * A restart (or a flush) empties Redis; a reset deletes one key. To tell them apart, Redis holds a random epoch
	 * that only data loss removes: when a new connection finds a different one, Redis forgot everything.
	 */
	const epochKey = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}:epoch`
	let knownEpoch: string | null = null
	let dataLostAt: number | null = null
	const checkEpoch = async () => {
		try {
			await client.set(epochKey, randomUUID(), 'NX')
			const epoch = await client.get(epochKey)
			if (knownEpoch !== null && epoch !== knownEpoch) {
				dataLostAt = Date.now()
				logger.warn('rate limits: Redis came back without its counts; blocks held in memory stay in force', {
					redis: where,
				})
			}
			knownEpoch = epoch
		} catch {
			// A Redis too slow for this is about to open the breaker; the next connection checks again.
		}
	}
	client.on('ready', () => {
		markUp()
		void checkEpoch()
	})

	try {
		await client.connect()
		await checkEpoch()
	} catch (error) {
		// The 'error' event already holds the cause (ECONNREFUSED...); the rejection only says "closed".
		markDown(lastError ?? (error instanceof Error ? error.message : String(error)))
	}

	const failed = () => {
		// A disconnection is already known (and answered from memory at once); this counts a connected Redis that is late.
		if (client.status !== 'ready') return
		failures++
		if (failures >= threshold) openBreaker()
	}

	return {
		client,
		describe: () => where,
		isDown: () => degraded,
		lostDataAt: () => dataLostAt,
		usable: () => client.status === 'ready' && probe === null,
		answered: () => {
			failures = 0
		},
		failed,
		async health() {
			const memory = 'limits are counted in memory until it returns'
			if (client.status !== 'ready') {
				return {
					ok: false,
					backend: 'redis',
					detail: `Redis at ${where} is ${client.status}${lastError ? ` (${lastError})` : ''}; ${memory}`,
				}
			}
			if (probe) {
				return {
					ok: false,
					backend: 'redis',
					detail: `Redis at ${where} did not answer within ${commandTimeoutMs} ms; ${memory} (probed every ${probeIntervalMs} ms)`,
				}
			}
			try {
				await client.ping()
				return { ok: true, backend: 'redis' }
			} catch (error) {
				failed()
				const reason = error instanceof Error ? error.message : String(error)
				return { ok: false, backend: 'redis', detail: `Redis at ${where} did not answer (${reason}); ${memory}` }
			}
		},
		async close() {
			closing = true
			if (probe) clearInterval(probe)
			probe = null
			if (client.status === 'ready') {
				try {
					await client.quit()
					return
				} catch {
					// Fall through: drop the connection without the goodbye.
				}
			}
			client.disconnect()
		},
	}
}

/** host:port/db without credentials, for logs and health details. */
function describeUrl(url: string): string {
	try {
		const parsed = new URL(url)
		return `${parsed.host}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`
	} catch {
		return 'redis'
	}
}
