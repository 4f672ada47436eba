/**
 * The stores every behaviour test runs on: memory always, a private redis-server always, and the machine's
 * Redis when REDIS_URL is set. A Redis case that cannot reach its server fails; it never quietly falls back.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { createLimits, type LimitBackend, type Limits, type LimitsOptions } from '#server/limits/index.ts'
import {
	deleteKeys,
	sharedRedisUrl,
	startPrivateRedis,
	uniqueKeyPrefix,
	type PrivateRedis,
} from '#tests/support/redis.ts'

export type BackendCase = {
	label: string
	backend: LimitBackend
	setup(): Promise<void>
	teardown(): Promise<void>
	url(): string | null
}

export function backendCases(options: { memory?: boolean } = {}): BackendCase[] {
	const cases: BackendCase[] = []
	if (options.memory !== false) {
		cases.push({
			label: 'memory',
			backend: 'memory',
			setup: async () => undefined,
			teardown: async () => undefined,
			url: () => null,
		})
	}
	let server: PrivateRedis | null = null
	cases.push({
		label: 'private redis-server',
		backend: 'redis',
		setup: async () => {
			server = await startPrivateRedis()
		},
		teardown: async () => {
			await server?.cleanup()
		},
		url: () => {
			if (!server) throw new Error('private redis-server not started')
			return server.url
		},
	})
	const shared = sharedRedisUrl()
	if (shared) {
		cases.push({
			label: `REDIS_URL (${new URL(shared).host})`,
			backend: 'redis',
			setup: async () => undefined,
			teardown: async () => undefined,
			url: () => shared,
		})
	}
	return cases
}

/** Opens `Limits` instances under one unique key prefix and closes them (and deletes their keys) at the end. */
export class LimitsFactory {
	readonly prefix = uniqueKeyPrefix('limits')
	private opened: Limits[] = []
	private readonly backendCase: BackendCase

	constructor(backendCase: BackendCase) {
		this.backendCase = backendCase
	}

	async open(overrides: LimitsOptions['overrides'] = {}, extra: Partial<LimitsOptions> = {}): Promise<Limits> {
		const limits = await createLimits({
			redisUrl: this.backendCase.url(),
			overrides,
			keyPrefix: this.prefix,
			...extra,
		})
		this.opened.push(limits)
		expect(limits.backend).toBe(this.backendCase.backend)
		const health = await limits.health()
		if (!health.ok) throw new Error(`${this.backendCase.label} is not usable: ${health.detail ?? 'unknown'}`)
		return limits
	}

	async cleanup(): Promise<void> {
		await Promise.all(this.opened.map(l => l.close()))
		this.opened = []
		const url = this.backendCase.url()
		if (url) await deleteKeys(url, this.prefix)
	}
}

/**
 * One store for a `describe` block: set up before its tests and torn down after them, with a fresh factory (its own
 * key prefix) for each test, cleaned up after it. Call `open` and read `prefix` inside tests.
 */
export function useLimitsFactory(backendCase: BackendCase): Pick<LimitsFactory, 'open' | 'prefix'> {
	let current: LimitsFactory | null = null
	const factory = () => {
		if (!current) throw new Error('the factory is made before each test: use it inside a test')
		return current
	}
	beforeAll(() => backendCase.setup())
	afterAll(() => backendCase.teardown())
	beforeEach(() => {
		current = new LimitsFactory(backendCase)
	})
	afterEach(() => current?.cleanup())
	return {
		open: (...args) => factory().open(...args),
		get prefix() {
			return factory().prefix
		},
	}
}
