/**
 * Bad input is a 4xx with a message, never a 500, on every route with an action: the routes come from the
 * build (as in tests/integration/auth/route-manifest.test.ts), so a route added tomorrow is swept tomorrow.
 * Each is sent, signed in as the first account (an administrator, so admin routes read their input too): a NUL
 * character in every text field, a body of the wrong type, a broken multipart body and broken JSON. Then the
 * cases named one by one (sign-up name, chat content, rename, token name, system prompt, search, API prompt,
 * the library's `before`), and one value per field: a repeated field is refused, in forms and in JSON.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDrivers } from '#tests/support/database.ts'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { MANY_SIGNUPS, serverDatabase, type ServerDatabase } from '../auth/helpers.ts'

const require = createRequire(import.meta.url)
const build = require(path.resolve('build/remix/index.js')) as ServerBuild

/** The sweep sends hundreds of requests as one user: only configuration raises the limits. */
const RAISED = ['write', 'chat', 'account', 'generation', 'title', 'analysis', 'webhook', 'api_token']
	.map(policy => `${policy}=100000/60`)
	.join(',')

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000'
const NUL = 'a\u0000b'

/** The address of a route, parameters filled in (an index route is posted with `?index`). */
function postUrl(id: string): string {
	const segments: string[] = []
	for (let route = build.routes[id]; route; route = route.parentId ? build.routes[route.parentId] : undefined) {
		if (route.path) segments.unshift(route.path)
	}
	const pathname =
		`/${segments.join('/')}`
			.replace(/:provider/g, 'github')
			.replace(/:kind/g, 'image')
			.replace(/:[^/]+/g, SAMPLE_ID)
			.replace(/\*$/, 'anything')
			.replace(/\/+$/, '') || '/'
	return build.routes[id]?.index ? `${pathname}?index` : pathname
}

/**
 * Routes whose action reads no request body (signing out, syncing the model catalogue, "Make a copy" of a shared
 * page): whatever is sent.
 */
const READS_NO_BODY = new Set(['routes/logout', 'routes/s.$slug'])

const actionRoutes = Object.keys(build.routes)
	.filter(id => build.routes[id]?.module.action)
	.sort()
	.map(id => ({ id, url: postUrl(id), api: postUrl(id).startsWith('/api/') }))

/** Every text field any form or API body of the product has, each with a NUL character. */
const FIELD_NAMES = [
	'intent',
	'name',
	'email',
	'password',
	'currentPassword',
	'newPassword',
	'confirmEmail',
	'title',
	'content',
	'text',
	'systemPrompt',
	'model',
	'prompt',
	'q',
	'question',
	'conversationId',
	'messageId',
	'tokenId',
	'sessionId',
	'redirectTo',
	'size',
	'mode',
	'userId',
	'role',
	'budget',
	'modelId',
	'queue',
	'jobId',
]
const nulFields = Object.fromEntries(FIELD_NAMES.map(name => [name, NUL]))

type Sent = { status: number; body: string }

describe.each(testDrivers())('bad input on every route with an action (%s)', driver => {
	let database: ServerDatabase
	let server: RunningServer
	let admin: SignedIn

	beforeAll(async () => {
		database = await serverDatabase(driver)
		// Webhooks configured, so the webhook route judges what it is sent (unsigned: 401) instead of answering 503.
		server = await startServer({
			...database.env,
			REPLICATE_API_TOKEN: 'r8_test',
			REPLICATE_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
			RATE_LIMITS: `${MANY_SIGNUPS.RATE_LIMITS},${RAISED}`,
		})
		admin = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
		await database?.dispose()
	})

	async function send(url: string, init: { body: BodyInit; type?: string; cookie?: boolean }): Promise<Sent> {
		// Signing out would end the session the rest of the sweep uses: that route is posted to anonymously.
		const anonymous = init.cookie === false || url === '/logout'
		const headers: Record<string, string> = anonymous ? { Origin: server.url } : as(admin, server.url)
		if (init.type) headers['Content-Type'] = init.type
		const response = await fetch(`${server.url}${url}`, {
			method: 'POST',
			redirect: 'manual',
			headers,
			body: init.body,
		})
		return { status: response.status, body: await response.text() }
	}

	function expectClearRefusal(route: { id: string }, sent: Sent, what: string) {
		expect(sent.status, `${route.id}: ${what} answered ${sent.status}: ${sent.body.slice(0, 300)}`).toBeLessThan(500)
		if (READS_NO_BODY.has(route.id)) return
		expect(sent.status, `${route.id}: ${what}`).toBeGreaterThanOrEqual(400)
		// A message a person can read: JSON `error.message`, or a page that says what was wrong.
		expect(sent.body.length, `${route.id}: ${what} has no message`).toBeGreaterThan(0)
	}

	it('has routes with actions to sweep', () => {
		expect(actionRoutes.length).toBeGreaterThan(10)
		expect(actionRoutes.map(r => r.id)).toEqual(expect.arrayContaining(['routes/login', 'routes/chat.$id']))
	})

	it.each(actionRoutes)('$id: a NUL character in any form field is a 4xx', async route => {
		const sent = await send(route.url, { body: new URLSearchParams(nulFields) })
		expectClearRefusal(route, sent, 'a NUL in a form field')
		if (!READS_NO_BODY.has(route.id) && !route.id.startsWith('routes/api.webhooks')) {
			expect([400, 415]).toContain(sent.status)
		}
	})

	it.each(actionRoutes)('$id: a NUL character in a multipart text field is a 4xx', async route => {
		const form = new FormData()
		for (const [name, value] of Object.entries(nulFields)) form.set(name, value)
		const sent = await send(route.url, { body: form })
		expectClearRefusal(route, sent, 'a NUL in a multipart field')
	})

	it.each(actionRoutes)('$id: a NUL character in any JSON string is a 4xx', async route => {
		const sent = await send(route.url, { body: JSON.stringify(nulFields), type: 'application/json' })
		expectClearRefusal(route, sent, 'a NUL in JSON')
	})

	it.each(actionRoutes)('$id: a body of the wrong type is a 4xx', async route => {
		expectClearRefusal(route, await send(route.url, { body: 'intent=send', type: 'text/plain' }), 'text/plain')
		expectClearRefusal(route, await send(route.url, { body: '<a/>', type: 'application/xml' }), 'XML')
	})

	it.each(actionRoutes)('$id: a broken multipart body is a 4xx', async route => {
		const broken = '--xyz\r\nContent-Disposition: form-data; name="intent"\r\n\r\nsend\r\n--xy'
		expectClearRefusal(
			route,
			await send(route.url, { body: broken, type: 'multipart/form-data; boundary=xyz' }),
			'a truncated multipart body',
		)
		expectClearRefusal(
			route,
			await send(route.url, { body: 'not multipart at all', type: 'multipart/form-data' }),
			'multipart without a boundary',
		)
	})

	it.each(actionRoutes.filter(r => r.api))('$id: broken JSON is a 4xx', async route => {
		expectClearRefusal(route, await send(route.url, { body: '{"prompt": ', type: 'application/json' }), 'broken JSON')
	})

	describe('the cases one by one, otherwise valid', () => {
		async function newChat(content = 'Hello there'): Promise<string> {
			const form = new URLSearchParams({ intent: 'new', content, mode: 'wait' })
			const response = await fetch(`${server.url}/chat?index`, {
				method: 'POST',
				redirect: 'manual',
				headers: as(admin, server.url),
				body: form,
			})
			const id = /^\/chat\/([0-9a-f-]{36})/.exec(response.headers.get('location') ?? '')?.[1]
			if (!id) throw new Error(`starting a chat answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
			return id
		}

		function expectNulRefusal(sent: Sent, field: string) {
			expect(sent.status, sent.body.slice(0, 300)).toBe(400)
			// The message names the field (quoted as JSON or HTML escapes it).
			expect(sent.body).toMatch(new RegExp(`field [^a-z]{1,12}${field}[^a-z]{1,12} contains a NUL character`, 'i'))
		}

		it('sign-up name', async () => {
			const form = new URLSearchParams({
				name: NUL,
				email: `nul-${Date.now()}@example.test`,
				password: 'long enough password',
			})
			expectNulRefusal(await send('/signup', { body: form, cookie: false }), 'name')
		})

		it('chat content, a new chat and a reply', async () => {
			expectNulRefusal(
				await send('/chat?index', { body: new URLSearchParams({ intent: 'new', content: NUL }) }),
				'content',
			)
			const id = await newChat()
			expectNulRefusal(
				await send(`/chat/${id}`, { body: new URLSearchParams({ intent: 'send', content: NUL, mode: 'wait' }) }),
				'content',
			)
		})

		it('rename and system prompt', async () => {
			const id = await newChat()
			expectNulRefusal(
				await send('/chat', { body: new URLSearchParams({ intent: 'rename', conversationId: id, title: NUL }) }),
				'title',
			)
			const settings = new URLSearchParams({ intent: 'settings', title: 'Fine', systemPrompt: NUL })
			expectNulRefusal(await send(`/chat/${id}`, { body: settings }), 'systemPrompt')
		})

		it('token name', async () => {
			expectNulRefusal(
				await send('/settings/tokens', { body: new URLSearchParams({ intent: 'create', name: NUL }) }),
				'name',
			)
		})

		it('search q', async () => {
			const response = await fetch(`${server.url}/chat?q=a%00b`, { headers: as(admin, server.url) })
			expect(response.status).toBe(400)
			expect(await response.text()).toContain('contains a NUL character')
		})

		it('API prompt, and a NUL in a JSON key', async () => {
			const sent = await send('/api/generate/image', {
				body: JSON.stringify({ prompt: NUL, model: 'offline:image' }),
				type: 'application/json',
			})
			expect(sent.status).toBe(400)
			expect(JSON.parse(sent.body)).toMatchObject({
				error: { code: 'invalid_characters', fields: { prompt: expect.any(Array) } },
			})
			const key = await send('/api/generate/image', { body: '{"pro\\u0000mpt": "x"}', type: 'application/json' })
			expect(key.status).toBe(400)
		})

		it('the library with a date the database cannot store', async () => {
			const response = await fetch(`${server.url}/library?from=0000-01-01`, {
				headers: as(admin, server.url),
			})
			expect(response.status).toBe(400)
			expect(await response.text()).toContain('between the years 1970 and 9999')
			const fine = await fetch(`${server.url}/library?from=2026-01-01`, { headers: as(admin, server.url) })
			expect(fine.status).toBe(200)
		})
	})

	describe('one value per field', () => {
		it('refuses a form field sent twice, naming it', async () => {
			const body = 'intent=create&name=first&name=second'
			const sent = await send('/settings/tokens', { body, type: 'application/x-www-form-urlencoded' })
			expect(sent.status).toBe(400)
			expect(sent.body).toMatch(/field [^a-z]{1,12}name[^a-z]{1,12} was sent more than once/)
		})

		it('refuses a JSON key given twice in one object, where JSON.parse would keep the last', async () => {
			const sent = await send('/api/generate/image', {
				body: '{"prompt": "a cat", "prompt": "a dog", "model": "offline-image"}',
				type: 'application/json',
			})
			expect(sent.status).toBe(400)
			expect(JSON.parse(sent.body)).toMatchObject({
				error: { code: 'repeated_field', fields: { prompt: expect.any(Array) } },
			})
		})

		it('refuses a repeated query parameter', async () => {
			const response = await fetch(`${server.url}/chat?q=a&q=b`, { headers: as(admin, server.url) })
			expect(response.status).toBe(400)
		})
	})
})
