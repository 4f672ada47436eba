/**
 * Share links through the built server, the way browsers and scripts reach them: the Share form without
 * JavaScript, the public page signed out (OpenGraph and Twitter tags, nothing private, no caching by browsers),
 * /api/publish with a session and with a bearer token, /api/share/:slug, "Make a copy", revoke (404 at once, for
 * the page and the API alike), other people's links, and the per-address limit.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { testDrivers } from '#tests/support/database.ts'
import { client, createToken, location, signUp, useServerOn } from '../auth/helpers.ts'
import type { Client } from '../auth/helpers.ts'

const LIMITS = 'signup=1000/3600,chat=1000/60,write=1000/60,publish=1000/60,title=1000/60,share_view=40/60'

describe.each(testDrivers())('share links over HTTP on %s', driver => {
	const t = useServerOn(driver, {
		...(driver === 'postgres' && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
		RATE_LIMITS: LIMITS,
	})
	let alice: Client
	let bob: Client
	let aliceEmail = ''
	let conversationId = ''

	const anonymous = (path: string, init: RequestInit = {}) =>
		fetch(`${t.server.url}${path}`, { redirect: 'manual', ...init })

	async function makeLink(c: Client, fields: Record<string, string>): Promise<{ slug: string; id: string }> {
		const made = await c.post('/share', fields)
		expect(made.status).toBe(303)
		expect(location(made)).toBe('/settings/shares')
		const html = await (await c.get('/settings/shares')).text()
		const slug = /value="http[^"]*\/s\/([A-Za-z0-9_-]{22})"/.exec(html)?.[1]
		const id = /data-share-id="([0-9a-f-]{36})"/.exec(html)?.[1]
		if (!slug || !id) throw new Error('no link on the shares page')
		return { slug, id }
	}

	beforeAll(async () => {
		alice = client(t.server.url)
		bob = client(t.server.url)
		aliceEmail = (await signUp(alice, { name: 'Alice Hidden' })).email
		await signUp(bob)
		const started = await alice.post('/chat?index', {
			intent: 'new',
			model: 'offline:chat',
			content: 'Tell me about herons',
			mode: 'wait',
		})
		expect(started.status).toBe(303)
		conversationId = /^\/chat\/([0-9a-f-]{36})/.exec(location(started))?.[1] ?? ''
		expect(conversationId).not.toBe('')
	}, 180_000)

	test('the Share form makes a link whose page strangers read signed out, with preview tags and nothing private', async () => {
		const { slug } = await makeLink(alice, {
			kind: 'conversation',
			targetId: conversationId,
			title: 'Herons, explained',
			expiresIn: '7d',
			returnTo: `/chat/${conversationId}`,
		})
		const page = await anonymous(`/s/${slug}`, { headers: { 'User-Agent': 'Mozilla/5.0 test' } })
		expect(page.status).toBe(200)
		expect(page.headers.get('cache-control')).toBe('no-cache')
		expect(page.headers.get('x-robots-tag')).toContain('noindex')
		const html = await page.text()
		expect(html).toContain('Herons, explained')
		expect(html).toContain('Tell me about herons')
		expect(html).toMatch(/<meta property="og:title" content="Herons, explained"/)
		expect(html).toMatch(/<meta name="twitter:card" content="summary"/)
		expect(html).toMatch(/data-role="assistant"/)
		expect(html).not.toContain(aliceEmail)
		expect(html).not.toContain('Alice Hidden')
		expect(html).not.toMatch(/\$\d+\.\d{2}/)
		// the JSON read is the same content, and is not limited to signed-in callers
		const api = await anonymous(`/api/share/${slug}`)
		expect(api.status).toBe(200)
		const body = (await api.json()) as { share: { title: string; conversation: { messages: unknown[] } } }
		expect(body.share.title).toBe('Herons, explained')
		expect(body.share.conversation.messages).toHaveLength(2)
		expect(JSON.stringify(body)).not.toContain(aliceEmail)
	})

	test('/api/publish makes links with a session or a bearer token, refuses the anonymous and bad input', async () => {
		const json = (body: unknown, headers: Record<string, string>) =>
			fetch(`${t.server.url}/api/publish`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', Origin: t.server.url, ...headers },
				body: JSON.stringify(body),
			})
		const token = await createToken(alice)
		const made = await json(
			{ kind: 'conversation', targetId: conversationId, expiresIn: '1d' },
			{ Authorization: `Bearer ${token}` },
		)
		expect(made.status).toBe(201)
		const share = ((await made.json()) as { share: { slug: string; url: string; expiresAt: string | null } }).share
		expect(share.url).toBe(`${t.server.url}/s/${share.slug}`)
		expect(share.expiresAt).not.toBeNull()
		expect((await anonymous(`/s/${share.slug}`)).status).toBe(200)

		expect((await json({ kind: 'conversation', targetId: conversationId }, {})).status).toBe(401)
		const bad = await json({ kind: 'poem', targetId: 'x' }, { Authorization: `Bearer ${token}` })
		expect(bad.status).toBe(400)
		expect(((await bad.json()) as { error: { fields: Record<string, string[]> } }).error.fields).toHaveProperty('kind')
		// someone else's conversation: not found, whoever asks
		const bobToken = await createToken(bob)
		expect(
			(await json({ kind: 'conversation', targetId: conversationId }, { Authorization: `Bearer ${bobToken}` })).status,
		).toBe(404)
	})

	test('a signed-in visitor makes a copy; a signed-out one is sent to sign in', async () => {
		const { slug } = await makeLink(alice, { kind: 'conversation', targetId: conversationId })
		const copied = await bob.post(`/s/${slug}`, { intent: 'copy' })
		expect(copied.status).toBe(303)
		const mine = /^\/chat\/([0-9a-f-]{36})$/.exec(location(copied))?.[1]
		expect(mine).toBeDefined()
		expect(mine).not.toBe(conversationId)
		const html = await (await bob.get(`/chat/${mine}`)).text()
		expect(html).toContain('Tell me about herons')
		const signedOut = await anonymous(`/s/${slug}`, {
			method: 'POST',
			headers: { Origin: t.server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'intent=copy',
		})
		expect([302, 303]).toContain(signedOut.status)
		expect(signedOut.headers.get('location')).toMatch(/^\/login/)
	})

	test('revoking stops the page and the API at once; nobody else can revoke; unknown links are 404 too', async () => {
		const { slug, id } = await makeLink(alice, { kind: 'conversation', targetId: conversationId })
		expect((await anonymous(`/s/${slug}`)).status).toBe(200)
		expect((await bob.post('/settings/shares', { intent: 'revoke', shareId: id })).status).toBe(404)
		expect((await anonymous(`/s/${slug}`)).status).toBe(200)
		const revoked = await alice.post('/settings/shares', { intent: 'revoke', shareId: id })
		expect(revoked.status).toBe(303)
		const gone = await anonymous(`/s/${slug}`)
		expect(gone.status).toBe(404)
		expect(await gone.text()).not.toContain('Tell me about herons')
		expect((await anonymous(`/api/share/${slug}`)).status).toBe(404)
		const listed = await (await alice.get('/settings/shares')).text()
		expect(listed).toContain(`data-share-id="${id}"`)
		expect(listed).toMatch(new RegExp(`data-share-status="revoked" data-share-id="${id}"`))
		expect((await anonymous('/s/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404)
		expect((await anonymous('/s/short')).status).toBe(404)
	})

	test('share pages are limited per address', async () => {
		let limited: Response | null = null
		for (let i = 0; i < 60 && !limited; i++) {
			const response = await anonymous('/s/BBBBBBBBBBBBBBBBBBBBBB', { headers: { 'X-Forwarded-For': '192.0.2.1' } })
			if (response.status === 429) limited = response
			else expect(response.status).toBe(404)
		}
		expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/)
	})
})
