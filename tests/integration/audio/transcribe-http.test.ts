/**
 * `POST /api/transcribe` through the built server, on both drivers: a recording uploaded with a session cookie or
 * a personal API token (Bearer) is queued (202, with where to follow it); signed out is a 401 in the API's shape;
 * a file that is not audio by its bytes (whatever its name and declared type), one over TRANSCRIBE_MAX_MB, and a
 * form with nothing chosen are refused with their codes; the route's `transcription` limit answers 429 with
 * Retry-After.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { testDrivers } from '#tests/support/database.ts'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { wav } from '#tests/support/samples.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { serverDatabase } from '../auth/helpers.ts'

type Answer = {
	transcript?: { id: string; status: string; name: string }
	links?: { page: string; download: string }
	error?: { code: string; message: string; requestId: string }
}

describe.each(testDrivers())('POST /api/transcribe on %s', driver => {
	let server: RunningServer
	let dropDatabase: () => Promise<void> = async () => undefined
	let user: SignedIn
	let token = ''

	beforeAll(async () => {
		const database = await serverDatabase(driver, { redis: true })
		dropDatabase = database.dispose
		const services = database.env
		server = await startServer(
			{ ...services, TRANSCRIBE_MAX_MB: '1', RATE_LIMITS: 'signup=1000/3600,api_token=100/3600,transcription=6/60' },
			180_000,
		)
		user = await signUp(server.url)
		const made = await fetch(`${server.url}/settings/tokens`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, server.url, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: new URLSearchParams({ intent: 'create', name: 'transcribe' }).toString(),
		})
		expect(made.status).toBe(303)
		// The new token is shown once, by the flash message the redirect carries.
		const flash = (made.headers.getSetCookie()[0] ?? '').split(';')[0] ?? ''
		const headers = as(user, server.url)
		const page = await (
			await fetch(`${server.url}/settings/tokens`, { headers: { ...headers, Cookie: `${headers.Cookie}; ${flash}` } })
		).text()
		token = /gs_[A-Za-z0-9_-]{43}/.exec(page)?.[0] ?? ''
		expect(token).not.toBe('')
	}, 200_000)
	afterAll(async () => {
		await server?.stop()
		await dropDatabase()
	})

	function upload(auth: 'session' | 'token' | 'none', file: { name: string; type: string; bytes: Uint8Array } | null) {
		const form = new FormData()
		if (file) form.set('file', new Blob([Buffer.from(file.bytes)], { type: file.type }), file.name)
		form.set('language', 'en')
		const headers =
			auth === 'session'
				? as(user, server.url)
				: auth === 'token'
					? { Authorization: `Bearer ${token}` }
					: { Origin: server.url }
		return fetch(`${server.url}/api/transcribe`, { method: 'POST', headers, body: form, redirect: 'manual' })
	}
	const memo = { name: 'memo.wav', type: 'audio/wav', bytes: wav(8000 * 2) }

	test('with a session or a Bearer token a recording is queued; signed out is a 401 in the API shape', async () => {
		for (const auth of ['session', 'token'] as const) {
			const response = await upload(auth, memo)
			expect(response.status, auth).toBe(202)
			const body = (await response.json()) as Answer
			expect(body.transcript).toMatchObject({ status: 'queued', name: 'memo.wav' })
			expect(body.links?.page).toBe(`/audio/transcripts/${body.transcript?.id}`)
			// The transcript is the caller's: its page opens for them.
			const page = await fetch(`${server.url}${body.links?.page}`, { headers: as(user, server.url) })
			expect(page.status).toBe(200)
		}
		const anonymous = await upload('none', memo)
		expect(anonymous.status).toBe(401)
		expect(((await anonymous.json()) as Answer).error?.code).toBe('unauthorized')
	})

	test('refusals: not audio by its bytes, over the size limit, nothing chosen; then the limit answers 429', async () => {
		// Named and declared as WAV, but text.
		const fake = await upload('token', {
			name: 'song.wav',
			type: 'audio/wav',
			bytes: new TextEncoder().encode('not a recording at all'),
		})
		expect(fake.status).toBe(415)
		const fakeBody = (await fake.json()) as Answer
		expect(fakeBody.error).toMatchObject({ code: 'unsupported_type' })
		expect(fakeBody.error?.requestId).toBe(fake.headers.get('x-request-id'))
		// 1.5 MB of real audio against a 1 MB limit.
		const large = await upload('session', { ...memo, bytes: wav(750_000) })
		expect(large.status).toBe(413)
		expect(((await large.json()) as Answer).error).toMatchObject({ code: 'too_large', message: /at most 1 MB/ })
		const nothing = await upload('token', null)
		expect(nothing.status).toBe(400)
		expect(((await nothing.json()) as Answer).error?.code).toBe('invalid_request')
		// Two queued in the first test and three refused here: the sixth counts, the seventh is refused.
		expect((await upload('session', memo)).status).toBe(202)
		const limited = await upload('token', memo)
		expect(limited.status).toBe(429)
		expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
		expect(((await limited.json()) as Answer).error?.code).toBe('rate_limited')
	})
})
