/**
 * How a page leaves the server (app/entry.server.tsx, app/utils/whole-render.server.ts): a page whose data is all
 * there is rendered whole, with the browser's copy of the loader data in one script; a page with data still to
 * come is streamed, its known part first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'

let server: RunningServer
let user: SignedIn

beforeAll(async () => {
	// A web process without the job worker: a generation stays queued, so its page has a next state to wait for.
	server = await startServer({}, 60_000, ['--role=web'])
	user = await signUp(server.url)
})
afterAll(async () => {
	await server.stop()
})

/** The scripts that hand the loader data to the browser (single fetch's stream), in order. */
function handoffScripts(html: string): string[] {
	return [...html.matchAll(/window\.__remixContext\.streamController\.(enqueue|close)\(/g)].map(m => m[1] ?? '')
}

describe('a page rendered whole', () => {
	test('is one document: the doctype first, the loader data in one script, nothing left for the browser', async () => {
		for (const [path, route, headers] of [
			['/', 'routes/_index', { Cookie: 'visited=1' }],
			['/chat', 'routes/chat._index', as(user, server.url)],
			['/library', 'routes/library', as(user, server.url)],
		] as const) {
			const response = await fetch(`${server.url}${path}`, { headers })
			expect(response.status, path).toBe(200)
			expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
			const html = await response.text()
			expect(html.startsWith('<!DOCTYPE html><html'), path).toBe(true)
			expect(handoffScripts(html), path).toEqual(['enqueue', 'close'])
			// The data and its end in one piece: the streaming renderer would have put the end in a boundary of its
			// own, after waiting for the data's stream (so this fails if a Remix upgrade stops the page being whole).
			expect(html, path).toMatch(
				/\);<\/script><script nonce="[^"]+">window\.__remixContext\.streamController\.close\(\);<\/script><!--\/\$-->$/,
			)
			// No boundary was left to render in the browser, and none was streamed in later.
			expect(html, path).not.toContain('<!--$!-->')
			expect(html, path).not.toContain('<!--$?-->')
			expect(html, path).toContain(`\\"${route}\\"`)
			// Sent in one write (server/whole-body.ts): with its length, not in chunks.
			const plain = await fetch(`${server.url}${path}`, { headers: { ...headers, 'Accept-Encoding': 'identity' } })
			const bytes = new Uint8Array(await plain.arrayBuffer())
			expect(plain.headers.get('transfer-encoding'), path).toBeNull()
			expect(plain.headers.get('content-length'), path).toBe(String(bytes.length))
		}
	})

	test('a 404 page is rendered whole too, with its status', async () => {
		const response = await fetch(`${server.url}/no-such-page`, { headers: as(user, server.url) })
		expect(response.status).toBe(404)
		const html = await response.text()
		expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
		expect(handoffScripts(html)).toEqual(['enqueue', 'close'])
	})
})

describe('a page with data still to come', () => {
	test('is streamed: what is known arrives at once, the next state follows in the same response', async () => {
		const created = await fetch(`${server.url}/api/generate/image`, {
			method: 'POST',
			headers: { ...as(user, server.url), 'Content-Type': 'application/json' },
			body: JSON.stringify({ prompt: 'A lighthouse at dawn', size: '512x512', n: 1 }),
		})
		expect(created.status).toBe(202)
		const { generation } = (await created.json()) as { generation: { id: string } }
		const controller = new AbortController()
		const response = await fetch(`${server.url}/generations/${generation.id}`, {
			// A browser: bots are given the whole page at once.
			headers: as(user, server.url, { 'User-Agent': BROWSER }),
			signal: controller.signal,
		})
		expect(response.status).toBe(200)
		const reader = (response.body as ReadableStream<Uint8Array>).getReader()
		const first = new TextDecoder().decode((await reader.read()).value)
		controller.abort()
		// The page is there with its pending part marked, before the generation has changed.
		expect(first.startsWith('<!DOCTYPE html>')).toBe(true)
		expect(first).toContain('data-generation-status="queued"')
		expect(first).toContain('<!--$?-->')
		expect(handoffScripts(first)).not.toContain('close')
	})
})
