import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { probe, startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'
import { waitFor } from '#tests/support/wait.ts'

let server: RunningServer

beforeAll(async () => {
	server = await startServer()
})
afterAll(async () => {
	await server.stop()
})

describe('the HTTP pipeline', () => {
	test('every script carries the nonce of the CSP header; request id set; no x-powered-by', async () => {
		const response = await fetch(`${server.url}/`)
		expect(response.status).toBe(200)
		const csp = response.headers.get('content-security-policy') ?? ''
		const nonce = /script-src 'nonce-([^']+)' 'strict-dynamic'/.exec(csp)?.[1]
		expect(nonce).toBeTruthy()
		for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
			expect(csp).toContain(directive)
		}
		const html = await response.text()
		const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(m => m[0])
		expect(scripts.length).toBeGreaterThan(0)
		for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
		expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
		expect(response.headers.get('x-powered-by')).toBeNull()

		const again = await fetch(`${server.url}/`)
		expect(again.headers.get('content-security-policy')).not.toContain(`'nonce-${nonce}'`)
	})

	test('signed-out visitors of / share a cached rendering, with their own nonce and request id', async () => {
		await fetch(`${server.url}/`)
		const hit = await fetch(`${server.url}/`)
		expect(hit.headers.get('x-page-cache')).toBe('hit')
		const nonce = /'nonce-([^']+)'/.exec(hit.headers.get('content-security-policy') ?? '')?.[1]
		const html = await hit.text()
		const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(m => m[0])
		for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
		expect(html).toContain(hit.headers.get('x-request-id'))
		// Anyone with a cookie, a query or a token gets a fresh rendering.
		const personal: Array<Record<string, string>> = [{ Cookie: 'a=1' }, { Authorization: 'Bearer x' }]
		for (const headers of personal) {
			expect((await fetch(`${server.url}/`, { headers })).headers.get('x-page-cache')).toBeNull()
		}
		expect((await fetch(`${server.url}/?utm=1`)).headers.get('x-page-cache')).toBeNull()
	})

	test('a sane incoming request id is kept, anything else is replaced', async () => {
		const kept = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'edge-1234.abc' } })
		expect(kept.headers.get('x-request-id')).toBe('edge-1234.abc')
		const replaced = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id <script>' } })
		expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
	})

	test('a cross-site POST is refused with 403; same-origin and webhooks are not', async () => {
		const evil = await fetch(`${server.url}/anything`, { method: 'POST', headers: { Origin: 'https://evil.example' } })
		expect(evil.status).toBe(403)
		const body = (await evil.json()) as { error: { code: string; requestId: string } }
		expect(body.error.code).toBe('forbidden')
		expect(body.error.requestId).toBe(evil.headers.get('x-request-id'))

		const refererOnly = await fetch(`${server.url}/anything`, {
			method: 'POST',
			headers: { Referer: 'https://evil.example/page' },
		})
		expect(refererOnly.status).toBe(403)
		const nullOrigin = await fetch(`${server.url}/anything`, { method: 'DELETE', headers: { Origin: 'null' } })
		expect(nullOrigin.status).toBe(403)

		const same = await fetch(`${server.url}/anything`, { method: 'POST', headers: { Origin: server.url } })
		expect(same.status).not.toBe(403)
		const webhook = await fetch(`${server.url}/api/webhooks/replicate`, {
			method: 'POST',
			headers: { Origin: 'https://api.replicate.com' },
		})
		expect(webhook.status).not.toBe(403)
	})

	test('health and readiness answer JSON', async () => {
		const { health, ready } = await probe(server.url)
		expect(health).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) })
		expect(ready.status).toBe(200)
		// Anonymous callers learn each dependency's name and state, nothing more (details: exposure.test.ts).
		const report = ready.report
		expect(report.status).toBe('ready')
		expect(Object.keys(report.checks).sort()).toEqual(['database', 'jobs', 'rateLimits', 'storage'])
		expect(Object.values(report.checks).every(c => c === 'ready')).toBe(true)
	})

	test('static files: fingerprinted assets for a year, public files for an hour, a missing asset is a plain 404', async () => {
		const html = await (await fetch(`${server.url}/`)).text()
		const asset = /href="(\/build\/[^"]+\.css)"/.exec(html)?.[1]
		expect(asset).toBeTruthy()
		const css = await fetch(`${server.url}${asset}`)
		expect(css.status).toBe(200)
		expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
		const favicon = await fetch(`${server.url}/favicon.svg`)
		expect(favicon.headers.get('cache-control')).toBe('public, max-age=3600')
		const missing = await fetch(`${server.url}/build/missing-ABCDEF.js`)
		expect(missing.status).toBe(404)
		expect(missing.headers.get('content-type')).toMatch(/^text\/plain/)
		expect(await missing.text()).toBe('Not found')
	})

	test('an unknown page is a 404 page that shows the request id', async () => {
		const response = await fetch(`${server.url}/no/such/page`)
		expect(response.status).toBe(404)
		const html = await response.text()
		expect(html).toContain('Page not found')
		expect(html).toContain(response.headers.get('x-request-id'))
	})

	test('HTML and the built scripts are compressed for clients that accept it', async () => {
		const response = await fetch(`${server.url}/`, { headers: { 'Accept-Encoding': 'gzip' } })
		expect(response.headers.get('content-encoding')).toBe('gzip')
		// The route manifest: large enough to pass compression's 1 KB threshold.
		const script = /["'](\/build\/manifest-[^"']+\.js)["']/.exec(await response.text())?.[1]
		expect(script).toBeTruthy()
		const asset = await fetch(`${server.url}${script}`, { headers: { 'Accept-Encoding': 'gzip' } })
		expect(asset.status).toBe(200)
		expect(asset.headers.get('content-encoding')).toBe('gzip')
		expect(asset.headers.get('cache-control')).toContain('immutable')
	})

	test('each request is logged once with method, path, status, duration and trace id', async () => {
		const response = await fetch(`${server.url}/video`, {
			headers: { 'x-request-id': 'access-log-check' },
			redirect: 'manual',
		})
		expect(response.status).toBe(302)
		// The access line is written when the response finishes, which may be just after the client has it.
		const line = await waitFor('the access log line', () =>
			server
				.output()
				.split('\n')
				.find(l => l.includes('request_id=access-log-check') && l.includes('request ')),
		)
		// Once: a second line for the same request would be a second log call.
		expect(
			server
				.output()
				.split('\n')
				.filter(l => l.includes('request_id=access-log-check') && l.includes('request ')),
		).toHaveLength(1)
		expect(line).toMatch(/method=GET path=\/video status=302 duration_ms=\d/)
		expect(line).toMatch(/trace_id=[0-9a-f]{32}/)
	})
})
