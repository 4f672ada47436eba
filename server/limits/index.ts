/**
 * Rate limits, counted in Redis when REDIS_URL is set (shared by every process) and in process memory
 * otherwise. See ./policies.ts for the table and ./http.ts for what routes call.
 *
 * A Redis outage must neither fail requests nor lift the limits. Each Redis limiter carries an in-memory
 * insurance limiter with the same figures, and every answer Redis gives is copied into it, so when Redis
 * stops answering this process carries on from the last counts it saw instead of from zero.
 *
 * - Commands have a short deadline (100 ms) and are never queued while disconnected; a circuit breaker stops
 *   asking a Redis that keeps timing out (a hung or frozen host) and probes it in the background instead, so
 *   an outage costs a request microseconds, not a deadline each.
 * - When Redis answers again, possibly empty after a restart, a subject this process counted in memory during
 *   the outage keeps the stricter of the two verdicts until its memory window (or block) ends, and the memory
 *   count is written back to Redis so the other processes see it too: a brute-force block made during the
 *   outage holds.
 */
import { metrics } from '@opentelemetry/api'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { logger } from '#server/logger.ts'
import { subjectKey } from './keys.ts'
import { POLICY_NAMES, isPolicyName, resolvePolicies, type Policy, type PolicyName } from './policies.ts'
import { connectRedis } from './redis.ts'
import {
	DEFAULT_COMMAND_TIMEOUT_MS,
	DEFAULT_KEY_PREFIX,
	type LimitBackend,
	type LimitResult,
	type Limits,
	type LimitsOptions,
} from './types.ts'

export { POLICIES, POLICY_NAMES, isPolicyName, resolvePolicies } from './policies.ts'
export type { Policy, PolicyKey, PolicyName } from './policies.ts'
export { normalizeIp, subjectKey } from './keys.ts'
export type { Subject } from './keys.ts'
export type * from './types.ts'

/** Subjects counted in memory during an outage are remembered at most this many at once (oldest dropped). */
const MAX_OUTAGE_KEYS = 100_000
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

type Verdict = { res: RateLimiterRes; allowed: boolean }

/** A limiter's answer as a value: a refusal is a RateLimiterRes thrown; anything else thrown is a store error. */
async function settle(answer: Promise<RateLimiterRes>): Promise<Verdict> {
	try {
		return { res: await answer, allowed: true }
	} catch (reason) {
		if (reason instanceof RateLimiterRes) return { res: reason, allowed: false }
		throw reason
	}
}

/** The stricter of two verdicts: a refusal over an allowance, the longer wait, the fewer points left. */
function stricter(a: Verdict, b: Verdict): Verdict {
	if (a.allowed !== b.allowed) return a.allowed ? b : a
	if (!a.allowed) return a.res.msBeforeNext >= b.res.msBeforeNext ? a : b
	return a.res.remainingPoints <= b.res.remainingPoints ? a : b
}

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
	/**
	 * Subjects counted in memory while Redis was unavailable, until their memory window ends (policy:key ->
	 * epoch ms). Only these are compared with Redis when it answers again: elsewhere Redis is the truth.
	 */
	const countedDuringOutage = new Map<string, number>()

	function bucketFor(name: PolicyName): Bucket {
		if (!isPolicyName(name)) throw new TypeError(`Unknown rate-limit policy "${String(name)}"`)
		return buckets[name]
	}

	function rememberOutage(name: PolicyName, key: string, res: RateLimiterRes) {
		const id = `${name}:${key}`
		countedDuringOutage.delete(id)
		countedDuringOutage.set(id, Date.now() + Math.max(0, res.msBeforeNext))
		if (countedDuringOutage.size > MAX_OUTAGE_KEYS) {
			const oldest = countedDuringOutage.keys().next().value
			if (oldest !== undefined) countedDuringOutage.delete(oldest)
		}
	}

	function countedInOutage(name: PolicyName, key: string): boolean {
		const id = `${name}:${key}`
		const until = countedDuringOutage.get(id)
		if (until === undefined) return false
		if (until > Date.now()) return true
		countedDuringOutage.delete(id)
		return false
	}

	function noteFallback(name: PolicyName) {
		fallbacks.add(1, { policy: name })
		const now = Date.now()
		// A known disconnection or open breaker is logged once by the connection; this catches the first late answers.
		if (!redis?.isDown() && now - lastFallbackWarning > FALLBACK_WARNING_INTERVAL_MS) {
			lastFallbackWarning = now
			logger.warn('rate limits: Redis did not answer, counting in memory', { policy: name, redis: redis?.describe() })
		}
	}

	/**
	 * Memory's copy of a Redis count expires a command deadline before Redis's own, so at the end of a window memory
	 * never lingers on an old count: memory can only be ahead of Redis because it counted during an outage or
	 * because Redis lost its data (a restart, a failover).
	 */
	const copyMarginMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
	/** After Redis lost its data, memory's refusals outrank it for as long as the longest window or block lasts. */
	const longestMs =
		Math.max(...POLICY_NAMES.map(n => Math.max(policies[n].durationSeconds, policies[n].blockSeconds ?? 0))) * 1000
	const lostDataRecently = () => {
		const at = redis?.lostDataAt() ?? null
		return at !== null && Date.now() - at < longestMs
	}

	/**
	 * After Redis answered a consume. When memory holds a stricter count for the subject than Redis did before this
	 * call — because this process counted it during an outage, or because memory refuses it (exhausted or blocked)
	 * and Redis came back empty — the stricter verdict stands until memory's window or block ends, and the memory
	 * count is written back so every process sees it. Otherwise memory copies Redis, so the next outage carries on
	 * from here. (Outside those cases memory never outranks Redis: a reset made by another process, after a
	 * successful sign-in, must hold.)
	 */
	async function reconcile(name: PolicyName, bucket: Bucket, key: string, answer: Verdict, points: number) {
		const insurance = bucket.insurance
		if (!insurance) return answer
		const remembered = await insurance.get(key)
		const outage = countedInOutage(name, key)
		const ahead = remembered !== null && remembered.consumedPoints > answer.res.consumedPoints - points
		if (ahead && (outage || (remembered.consumedPoints > bucket.policy.points && lostDataRecently()))) {
			const mine = await settle(insurance.consume(key, points))
			const seconds = Math.max(1, Math.ceil(mine.res.msBeforeNext / 1000))
			try {
				await bucket.store.set(key, mine.res.consumedPoints, seconds)
				countedDuringOutage.delete(`${name}:${key}`)
			} catch (error) {
				logger.warn('rate limits: could not write an outage count back to Redis', { policy: name, error })
			}
			return stricter(answer, mine)
		}
		if (outage) countedDuringOutage.delete(`${name}:${key}`)
		const ttlMs = answer.res.msBeforeNext - copyMarginMs
		if (ttlMs > 0) void insurance.set(key, answer.res.consumedPoints, ttlMs / 1000)
		else void insurance.delete(key)
		return answer
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
			let verdict: Verdict
			let answeredBy: LimitBackend = bucket.insurance ? 'redis' : 'memory'
			if (bucket.insurance && redis && !redis.usable()) {
				// The breaker is open: do not spend a deadline on a Redis known not to answer.
				verdict = await settle(bucket.insurance.consume(key, points))
				answeredBy = 'memory'
			} else {
				try {
					verdict = await settle(bucket.store.consume(key, points))
				} catch (reason) {
					if (!bucket.insurance) throw reason
					// The library hands store errors to the insurance limiter; this is the last resort if that path fails.
					logger.error('rate limits: store error, counting in memory', { policy: name, error: reason })
					verdict = await settle(bucket.insurance.consume(key, points))
				}
				if (bucket.insurance && answeredFromMemory.has(verdict.res)) {
					answeredBy = 'memory'
					redis?.failed()
				} else if (bucket.insurance) {
					redis?.answered()
					verdict = await reconcile(name, bucket, key, verdict, points)
				}
			}
			if (answeredBy === 'memory' && bucket.insurance) {
				noteFallback(name)
				rememberOutage(name, key, verdict.res)
			}
			if (!verdict.allowed) rejections.add(1, { policy: name })
			return toResult(name, bucket.policy, verdict.res, verdict.allowed, answeredBy)
		},

		async reward(name, subject, points = 1) {
			const bucket = bucketFor(name)
			const key = subjectKey(bucket.policy.key, subject)
			const insurance = bucket.insurance
			try {
				if (insurance && redis && !redis.usable()) {
					await insurance.reward(key, points)
					return
				}
				const res = await bucket.store.reward(key, points)
				if (!insurance || answeredFromMemory.has(res)) return
				// A subject counted during an outage keeps its memory count (less what is given back) until reconciled.
				if (countedInOutage(name, key)) await insurance.reward(key, points)
				else if (res.msBeforeNext > copyMarginMs) {
					void insurance.set(key, res.consumedPoints, (res.msBeforeNext - copyMarginMs) / 1000)
				}
			} catch (error) {
				logger.warn('rate limits: could not give points back', { policy: name, error })
			}
		},

		async reset(name, subject) {
			const bucket = bucketFor(name)
			const key = subjectKey(bucket.policy.key, subject)
			try {
				if (!redis || redis.usable()) await bucket.store.delete(key)
			} catch (error) {
				logger.warn('rate limits: could not reset a bucket', { policy: name, error })
			}
			// The copy kept for outages must forget it too, or a block would come back with the next outage.
			countedDuringOutage.delete(`${name}:${key}`)
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
