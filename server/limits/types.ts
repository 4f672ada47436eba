/** The shapes of the rate-limit service and its defaults (built by ./index.ts, Redis in ./redis.ts). */
import type { Config } from '#server/config.ts'
import type { Subject } from './keys.ts'
import type { Policy, PolicyName } from './policies.ts'

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
	/** Consecutive failed or late commands that open the circuit breaker (memory only, Redis probed). */
	breakerThreshold?: number
	/** How often an open breaker probes Redis with a PING. */
	probeIntervalMs?: number
	/** How long start-up waits for Redis before serving from memory (it keeps reconnecting after). */
	connectTimeoutMs?: number
}

export const DEFAULT_KEY_PREFIX = 'gs:rl'
export const DEFAULT_COMMAND_TIMEOUT_MS = 100
export const DEFAULT_BREAKER_THRESHOLD = 3
export const DEFAULT_PROBE_INTERVAL_MS = 1_000
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000
export const MAX_RECONNECT_DELAY_MS = 3_000
