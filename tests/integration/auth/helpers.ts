import { afterAll, beforeAll, expect } from 'vitest'
/**
 * Driving the built server as a browser without JavaScript would: a cookie jar, form posts with the page's
 * Origin, and redirects followed by hand so each hop can be inspected. Plus a database per suite for the
 * server (a scratch Postgres database when DATABASE_URL is set, else the server's own PGlite).
 */
import { createScratchPostgresDatabase, type TestDriver } from '#tests/support/database.ts'
import { signUpForm, type NewAccount } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'

// The account defaults live with the sign-up form in tests/support; the auth tests also reach them from here.
export { PASSWORD, uniqueEmail } from '#tests/support/http-auth.ts'

export class CookieJar {
	private readonly cookies = new Map<string, string>()

	/** Takes the cookies of a response; an expired or emptied cookie is removed. */
	store(response: Response): void {
		for (const line of response.headers.getSetCookie()) {
			const [pair = '', ...attributes] = line.split(';').map(s => s.trim())
			const eq = pair.indexOf('=')
			const name = pair.slice(0, eq)
			const value = pair.slice(eq + 1)
			const expired = attributes.some(
				a => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()),
			)
			if (expired || value === '') this.cookies.delete(name)
			else this.cookies.set(name, value)
		}
	}

	get(name: string): string | undefined {
		return this.cookies.get(name)
	}

	set(name: string, value: string): void {
		this.cookies.set(name, value)
	}

	header(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
	}

	copy(): CookieJar {
		const jar = new CookieJar()
		for (const [k, v] of this.cookies) jar.set(k, v)
		return jar
	}
}

export type Client = {
	jar: CookieJar
	get(path: string, headers?: Record<string, string>): Promise<Response>
	post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>
}

export function client(baseUrl: string, jar = new CookieJar()): Client {
	const send = async (path: string, init: RequestInit) => {
		const url = path.startsWith('http') ? path : `${baseUrl}${path}`
		const headers = new Headers(init.headers)
		if (url.startsWith(baseUrl) && jar.header()) headers.set('Cookie', jar.header())
		const response = await fetch(url, { ...init, headers, redirect: 'manual' })
		if (url.startsWith(baseUrl)) jar.store(response)
		return response
	}
	return {
		jar,
		get: (path, headers = {}) => send(path, { headers }),
		post: (path, form, headers = {}) =>
			send(path, {
				method: 'POST',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: baseUrl, ...headers },
				body: new URLSearchParams(form),
			}),
	}
}

export async function signUp(c: Client, input: Partial<NewAccount> = {}) {
	const form = signUpForm(input)
	const response = await c.post('/signup', form)
	if (response.status !== 303)
		throw new Error(`sign-up answered ${response.status}: ${(await response.text()).slice(0, 400)}`)
	return { email: form.email, password: form.password }
}

export function location(response: Response): string {
	return response.headers.get('location') ?? ''
}

/** The environment that points a server at this suite's database. */
export type ServerDatabase = { env: Record<string, string>; dispose(): Promise<void> }

/** With `redis`, a Postgres deployment also counts its limits in the machine's Redis (REDIS_URL), when there is one. */
export async function serverDatabase(driver: TestDriver, options: { redis?: boolean } = {}): Promise<ServerDatabase> {
	if (driver === 'postgres') {
		const scratch = await createScratchPostgresDatabase()
		const redis: Record<string, string> =
			options.redis && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}
		return { env: { DATABASE_URL: scratch.url, ...redis }, dispose: () => scratch.drop() }
	}
	// Each spawned server gets its own temporary data directory with an embedded database.
	return { env: {}, dispose: async () => undefined }
}

/**
 * The built server of one `describe` block, on a database of the driver's (a scratch Postgres database, or the
 * server's own embedded one), started before its tests and stopped, its database dropped, after them. `env` may
 * name the driver's environment. Read `.server` inside tests and hooks.
 */
export function useServerOn(
	driver: TestDriver,
	env: Record<string, string> = {},
	timeoutMs = 180_000,
): { readonly server: RunningServer } {
	let database: ServerDatabase | undefined
	let server: RunningServer | undefined
	beforeAll(async () => {
		database = await serverDatabase(driver)
		server = await startServer({ ...database.env, ...env })
	}, timeoutMs)
	afterAll(async () => {
		await server?.stop()
		await database?.dispose()
	})
	return {
		get server() {
			if (!server) throw new Error('the server starts before the tests: read it inside a test or hook')
			return server
		},
	}
}

/** Raises the sign-up limit for suites that create many accounts from 127.0.0.1 (only through configuration). */
export const MANY_SIGNUPS = { RATE_LIMITS: 'signup=1000/3600,signin_ip=1000/900' }

/** Creates a token as the form does: POST, redirect, and the token shown once on the page it lands on. */
export async function createToken(c: Client, name = 'script'): Promise<string> {
	const response = await c.post('/settings/tokens', { intent: 'create', name })
	expect(response.status).toBe(303)
	expect(location(response)).toBe('/settings/tokens')
	const page = await c.get('/settings/tokens')
	expect(page.status).toBe(200)
	expect(page.headers.get('cache-control')).toBe('no-store')
	const html = await page.text()
	expect(html).toContain(`Token “${name}” created.`)
	const token = /gs_[A-Za-z0-9_-]{43}/.exec(html)?.[0]
	if (!token) throw new Error('no token on the page')
	return token
}
