/**
 * Rate limits, counted in Redis when REDIS_URL is set (shared by every process) and in process memory
 * otherwise. See ./policies.ts for the table and ./http.ts for what routes call.
 *
 * A Redis outage must neither fail requests nor lift the limits. Each Redis limiter carries an in-memory
 * insurance limiter with the same figures, and every answer Redis gives is copied into it, so when Redis
 * stops answering this process carries on from the last counts it saw instead of from zero. Commands have a
 * short deadline and are never queued while disconnected, so an outage costs a request milliseconds.
 */
import { metrics } from '@opentelemetry/api'
import { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Config } from '#server/config.ts'
import { logger } from '#server/logger.ts'
import { subjectKey, type Subject } from './keys.ts'
import { POLICY_NAMES, isPolicyName, resolvePolicies, type Policy, type PolicyName } from './policies.ts'

export { POLICIES, POLICY_NAMES, isPolicyName, resolvePolicies } from './policies.ts'
export type { Policy, PolicyKey, PolicyName } from './policies.ts'
export { normalizeIp, subjectKey } from './keys.ts'
export type { Subject } from './keys.ts'

export type LimitBackend = 'redis' | 'memory'

export type LimitResult = {
	policy: PolicyName
	allowed: boolean
	/** The policy's points per window. */
	limit: number
	remaining: number
	/** Seconds until the window (or a block) ends and the count starts again. */
	resetSeconds: number
	/** 0 when allowed; otherwise how long to wait before trying again (at least 1). */
	retryAfterSeconds: number
	windowSeconds: number
	/** Which store answered: 'memory' on a Redis deployment means Redis was unavailable for this call. */
	backend: LimitBackend
}

export type LimitsHealth = { ok: boolean; backend: LimitBackend; detail?: string }

export interface Limits {
	readonly backend: LimitBackend
	/** The table in force, overrides applied. */
	readonly policies: Readonly<Record<PolicyName, Readonly<Policy>>>
	/** Counts `points` against the subject's bucket. Never throws because of the store. */
	consume(policy: PolicyName, subject: Subject, points?: number): Promise<LimitResult>
	/** Gives back points consumed earlier in the window (e.g. work that was refused downstream). */
	reward(policy: PolicyName, subject: Subject, points?: number): Promise<void>
	/** Forgets the subject's bucket, including a block (e.g. after a successful sign-in). */
	reset(policy: PolicyName, subject: Subject): Promise<void>
	health(): Promise<LimitsHealth>
	close(): Promise<void>
}

export type LimitsOptions = {
	redisUrl: string | null
	overrides: Config['rateLimitOverrides']
	/** Namespace for the store's keys; tests pass a unique one. */
	keyPrefix?: string
	/** Deadline for one Redis command before the memory limiter answers instead. */
	commandTimeoutMs?: number
	/** How long start-up waits for Redis before serving from memory (it keeps reconnecting after). */
	connectTimeoutMs?: number
}

const DEFAULT_KEY_PREFIX = 'gs:rl'
const DEFAULT_COMMAND_TIMEOUT_MS = 500
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000
const MAX_RECONNECT_DELAY_MS = 3_000
/** At most one "served from memory" warning per this interval, however many requests hit it. */
const FALLBACK_WARNING_INTERVAL_MS = 60_000

const meter = metrics.getMeter('generation-studio.limits')
const rejections = meter.createCounter('rate_limit.rejections', {
	description: 'Requests refused by a rate-limit policy',
})
const fallbacks = meter.createCounter('rate_limit.store_fallbacks', {
	description: 'Rate-limit decisions made in memory because Redis did not answer',
})

/** Results produced by an insurance limiter, so a Redis answer can be told from a fallback. */
const answeredFromMemory = new WeakSet<object>()

function tag<T>(value: T): T {
	if (typeof value === 'object' && value !== null) answeredFromMemory.add(value)
	return value
}

class InsuranceLimiter extends RateLimiterMemory {
	override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
		return super.consume(key, points, options).then(tag, (reason: unknown) => {
			throw tag(reason)
		})
	}

	override reward(key: string | number, points?: number, options?: Record<string, unknown>) {
		return super.reward(key, points, options).then(tag)
	}
}

type Bucket = { policy: Policy; store: RateLimiterAbstract; insurance: InsuranceLimiter | null }

export async function createLimits(options: LimitsOptions): Promise<Limits> {
	const policies = resolvePolicies(options.overrides)
	const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX
	const redis = options.redisUrl ? await connectRedis(options) : null

	const buckets = Object.fromEntries(
		POLICY_NAMES.map(name => {
			const policy = policies[name]
			const figures = {
				keyPrefix: `${keyPrefix}:${name}`,
				points: policy.points,
				duration: policy.durationSeconds,
				blockDuration: policy.blockSeconds ?? 0,
			}
			if (!redis) return [name, { policy, store: new RateLimiterMemory(figures), insurance: null }]
			const insurance = new InsuranceLimiter(figures)
			const store = new RateLimiterRedis({
				...figures,
				storeClient: redis.client,
				// Fall back at once while disconnected rather than waiting for a command to fail.
				rejectIfRedisNotReady: true,
				insuranceLimiter: insurance,
			})
			return [name, { policy, store, insurance }]
		}),
	) as Record<PolicyName, Bucket>

	const backend: LimitBackend = redis ? 'redis' : 'memory'
	let lastFallbackWarning = 0

	function bucketFor(name: PolicyName): Bucket {
		if (!isPolicyName(name)) throw new TypeError(`Unknown rate-limit policy "${String(name)}"`)
		return buckets[name]
	}

	/** Keeps the insurance limiter's count equal to Redis's, so an outage continues from it. */
	function afterStore(name: PolicyName, bucket: Bucket, key: string, res: RateLimiterRes): LimitBackend {
		if (!bucket.insurance) return 'memory'
		if (answeredFromMemory.has(res)) {
			fallbacks.add(1, { policy: name })
			const now = Date.now()
			// A known disconnection is logged once by the connection; this catches a Redis that is connected but hung.
			if (!redis?.isDown() && now - lastFallbackWarning > FALLBACK_WARNING_INTERVAL_MS) {
				lastFallbackWarning = now
				logger.warn('rate limits: Redis did not answer, counting in memory', {
					policy: name,
					redis: redis?.describe(),
				})
			}
			return 'memory'
		}
		if (res.msBeforeNext > 0) void bucket.insurance.set(key, res.consumedPoints, res.msBeforeNext / 1000)
		return 'redis'
	}

	return {
		backend,
		policies,

		async consume(name, subject, points = 1) {
			if (!Number.isSafeInteger(points) || points < 1) {
				throw new RangeError(`Rate-limit points must be a whole number of at least 1 (got ${points})`)
			}
			const bucket = bucketFor(name)
			const key = subjectKey(bucket.policy.key, subject)
			let res: RateLimiterRes
			let allowed: boolean
			try {
				res = await bucket.store.consume(key, points)
				allowed = true
			} catch (reason) {
				if (reason instanceof RateLimiterRes) {
					res = reason
					allowed = false
				} else if (bucket.insurance) {
					// The library hands store errors to the insurance limiter; this is the last resort if that path fails.
					logger.error('rate limits: store error, counting in memory', { policy: name, error: reason })
					res = await bucket.insurance.consume(key, points).catch((r: unknown) => {
						if (r instanceof RateLimiterRes) return r
						throw r
					})
					allowed = res.consumedPoints <= bucket.policy.points
				} else {
					throw reason
				}
			}
			const answeredBy = afterStore(name, bucket, key, res)
			if (!allowed) rejections.add(1, { policy: name })
			return toResult(name, bucket.policy, res, allowed, answeredBy)
		},

		async reward(name, subject, points = 1) {
			const bucket = bucketFor(name)
			const key = subjectKey(bucket.policy.key, subject)
			try {
				const res = await bucket.store.reward(key, points)
				afterStore(name, bucket, key, res)
			} catch (error) {
				logger.warn('rate limits: could not give points back', { policy: name, error })
			}
		},

		async reset(name, subject) {
			const bucket = bucketFor(name)
			const key = subjectKey(bucket.policy.key, subject)
			try {
				await bucket.store.delete(key)
			} catch (error) {
				logger.warn('rate limits: could not reset a bucket', { policy: name, error })
			}
			// The copy kept for outages must forget it too, or a block would come back with the next outage.
			await bucket.insurance?.delete(key)
		},

		async health() {
			if (!redis) return { ok: true, backend }
			return redis.health()
		},

		async close() {
			await redis?.close()
		},
	}
}

function toResult(
	name: PolicyName,
	policy: Policy,
	res: RateLimiterRes,
	allowed: boolean,
	backend: LimitBackend,
): LimitResult {
	const resetSeconds = Math.ceil(Math.max(0, res.msBeforeNext) / 1000)
	return {
		policy: name,
		allowed,
		limit: policy.points,
		remaining: allowed ? Math.max(0, res.remainingPoints) : 0,
		resetSeconds: allowed ? resetSeconds : Math.max(1, resetSeconds),
		retryAfterSeconds: allowed ? 0 : Math.max(1, resetSeconds),
		windowSeconds: policy.durationSeconds,
		backend,
	}
}

type RedisHandle = {
	client: Redis
	health(): Promise<LimitsHealth>
	isDown(): boolean
	describe(): string
	close(): Promise<void>
}

/**
 * One ioredis connection for all limiters. It never throws at start-up: an unreachable Redis is logged and
 * the limiters serve from memory while ioredis keeps reconnecting with backoff.
 */
async function connectRedis(options: LimitsOptions): Promise<RedisHandle> {
	const url = options.redisUrl ?? ''
	const where = describeUrl(url)
	const client = new Redis(url, {
		lazyConnect: true,
		// Queued commands would wait for a reconnection: fail them instead so the memory limiter answers now.
		enableOfflineQueue: false,
		commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
		connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
		maxRetriesPerRequest: 1,
		retryStrategy: times => Math.min(100 * 2 ** (times - 1), MAX_RECONNECT_DELAY_MS),
		connectionName: 'generation-studio:limits',
	})

	let closing = false
	let lastError: string | null = null
	let degraded = false
	const markDown = (reason: string) => {
		lastError = reason
		if (degraded || closing) return
		degraded = true
		logger.warn('rate limits: Redis unavailable, counting in memory until it returns', { redis: where, reason })
	}
	// Without an 'error' listener ioredis prints every failed reconnection to the console.
	client.on('error', (error: Error) => markDown(error.message))
	client.on('close', () => markDown(lastError ?? 'connection closed'))
	client.on('ready', () => {
		if (degraded) logger.info('rate limits: Redis connection restored', { redis: where })
		degraded = false
		lastError = null
	})

	try {
		await client.connect()
	} catch (error) {
		// The 'error' event already holds the cause (ECONNREFUSED...); the rejection only says "closed".
		markDown(lastError ?? (error instanceof Error ? error.message : String(error)))
	}

	return {
		client,
		describe: () => where,
		isDown: () => degraded,
		async health() {
			if (client.status !== 'ready') {
				return {
					ok: false,
					backend: 'redis',
					detail: `Redis at ${where} is ${client.status}${lastError ? ` (${lastError})` : ''}; limits are counted in memory until it returns`,
				}
			}
			try {
				await client.ping()
				return { ok: true, backend: 'redis' }
			} catch (error) {
				const reason = error instanceof Error ? error.message : String(error)
				return {
					ok: false,
					backend: 'redis',
					detail: `Redis at ${where} did not answer (${reason}); limits are counted in memory until it returns`,
				}
			}
		},
		async close() {
			closing = true
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
