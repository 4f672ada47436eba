/**
 * What a `describe` block runs against, with the stub servers it calls: the services (domain tests) or the built
 * server (HTTP tests), started before its tests and stopped after them. Hooks, so apart from services.ts and
 * server.ts, which scripts outside the test runner import too.
 */
import { afterAll, beforeAll } from 'vitest'
import type { Services } from '#server/services.ts'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import { createTestDb, type CreateTestDbOptions, type TestDriver } from './database.ts'
import { startServer, type RunningServer } from './server.ts'
import { startTestServices } from './services.ts'

/** A stub server a suite starts before its services: its address goes into their environment. */
type Stub = { url: string; close(): Promise<void> }

/** The environment that points a provider at its stub (any host may serve the outputs: the stubs are on 127.0.0.1). */
export const openaiEnv = (stub: Stub) => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: stub.url })
export const replicateEnv = (stub: Stub) => ({
	REPLICATE_API_TOKEN: 'r8-test',
	REPLICATE_BASE_URL: stub.url,
	OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
})

/**
 * What a stub receives on `route` from now on, read by calling the function returned: the requests one step of a
 * test made, whatever the suite's earlier tests sent before it.
 */
export function requestsFrom<R extends { route: string }>(stub: { requests: readonly R[] }, route: string): () => R[] {
	const before = stub.requests.filter(r => r.route === route).length
	return () => stub.requests.filter(r => r.route === route).slice(before)
}

type Env = Record<string, string>
type StubStarters<S> = { [K in keyof S]: () => Promise<S[K]> }

/** Starts the stubs, then `start` with them, before the block's tests; stops both after. What `start` made is `get()`. */
function useStarted<S extends Record<string, Stub>, T>(
	stubStarters: StubStarters<S> | undefined,
	start: (stubs: S) => Promise<T>,
	stop: (started: T) => Promise<unknown>,
): { get(): T; stubs: S } {
	let started: { value: T } | undefined
	const stubs: Partial<S> = {}
	beforeAll(async () => {
		for (const [name, startStub] of Object.entries(stubStarters ?? {}) as [keyof S, () => Promise<S[keyof S]>][]) {
			stubs[name] = await startStub()
		}
		started = { value: await start(stubs as S) }
		// Starting the whole service set (migrations, job engine) on a loaded machine can take a while.
	}, 180_000)
	afterAll(async () => {
		if (started) await stop(started.value)
		for (const stub of Object.values(stubs) as Stub[]) await stub.close()
	})
	return {
		get() {
			if (!started) throw new Error('it starts before the tests: read it inside a test or hook')
			return started.value
		},
		stubs: stubs as S,
	}
}

const envOf = <S>(env: Env | ((stubs: S) => Env) | undefined, stubs: S) =>
	typeof env === 'function' ? env(stubs) : env

type Options<S> = { stubs?: StubStarters<S>; env?: Env | ((stubs: S) => Env) }

/** The real services (services.ts) of one `describe` block. Read `.services` and `.stubs` inside tests and hooks. */
export function useTestServices<S extends Record<string, Stub> = Record<never, Stub>>(
	driver: TestDriver,
	options: Options<S> & { workers?: boolean } = {},
): { readonly services: Services; readonly stubs: S } {
	const started = useStarted(
		options.stubs,
		stubs => startTestServices(driver, envOf(options.env, stubs), { workers: options.workers }),
		t => t.dispose(),
	)
	return {
		get services() {
			return started.get().services
		},
		stubs: started.stubs,
	}
}

/** The built server (server.ts) of one `describe` block. Read `.server` and `.stubs` inside tests and hooks. */
export function useTestServer<S extends Record<string, Stub> = Record<never, Stub>>(
	options: Options<S> = {},
): { readonly server: RunningServer; readonly stubs: S } {
	const started = useStarted(
		options.stubs,
		stubs => startServer(envOf(options.env, stubs)),
		server => server.stop(),
	)
	return {
		get server() {
			return started.get()
		},
		stubs: started.stubs,
	}
}

/** A fresh test database (database.ts) of one `describe` block, made before its tests and dropped after them. */
export function useTestDb(
	driver: TestDriver,
	options: CreateTestDbOptions = {},
): { readonly db: Db; readonly config: Config } {
	const started = useStarted(
		undefined,
		() => createTestDb(driver, options),
		t => t.dispose(),
	)
	return {
		get db() {
			return started.get().db
		},
		get config() {
			return started.get().config
		},
	}
}
