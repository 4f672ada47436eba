/**
 * Chat through the built server, the way browsers and clients reach it: forms that post and redirect (no
 * JavaScript), the SSE stream (JavaScript), the APIs, with the real openai SDK talking to the stub server —
 * streaming, a 429, an error mid-stream — and every route refusing the anonymous and other users. On the
 * embedded defaults always; on Postgres (and Redis for the limits) too when DATABASE_URL (REDIS_URL) is set.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { STUB_PNG, startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import type { OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { testDrivers } from '#tests/support/database.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { startServer } from '#tests/support/server.ts'
import { firstOf } from '#tests/support/wait.ts'
import type { RunningServer } from '#tests/support/server.ts'
import { serverDatabase } from '../auth/helpers.ts'

const MODEL = 'openai:gpt-4o-mini'
const LIMITS = 'signup=1000/3600,chat=1000/60,write=1000/60,analysis=1000/60,title=3/60'

type SseEvent = { event: string; data: Record<string, unknown> }

/** Reads a whole SSE response into its events. */
async function readEvents(response: Response): Promise<SseEvent[]> {
	const text = await response.text()
	return text
		.split('\n\n')
		.map(block => {
			const event = /^event: (.+)$/m.exec(block)?.[1]
			const data = /^data: (.+)$/m.exec(block)?.[1]
			return event && data ? { event, data: JSON.parse(data) as Record<string, unknown> } : null
		})
		.filter((e): e is SseEvent => e !== null)
}

/** The text of a streamed response as it arrives (accumulated); stops reading when the caller stops asking. */
async function* streamText(response: Response): AsyncGenerator<string> {
	const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader()
	const decoder = new TextDecoder()
	let text = ''
	try {
		for (;;) {
			const { done, value } = await reader.read()
			if (done) return
			text += decoder.decode(value, { stream: true })
			yield text
		}
	} finally {
		await reader.cancel()
	}
}

/** The HTML of each rendered message, by role, in page order. */
function messagesIn(html: string): Array<{ role: string; id: string; status: string; html: string }> {
	const out: Array<{ role: string; id: string; status: string; html: string }> = []
	const pattern =
		/<li id="m-[^"]+" data-message-id="([^"]+)" data-role="([^"]+)" data-status="([^"]+)"[^>]*>([\s\S]*?)<\/li>\s*(?=<li id="m-|<\/ol>)/g
	for (const match of html.matchAll(pattern)) {
		out.push({ id: match[1] ?? '', role: match[2] ?? '', status: match[3] ?? '', html: match[4] ?? '' })
	}
	return out
}

describe.each(testDrivers())('chat over HTTP with the openai SDK against the stub, on %s', driver => {
	let stub: OpenAIStub
	let server: RunningServer
	let dropDatabase: () => Promise<void> = async () => undefined
	let alice: SignedIn
	let bob: SignedIn

	const post = (user: SignedIn | null, path: string, fields: Record<string, string>) =>
		fetch(`${server.url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				...(user ? as(user, server.url) : { Origin: server.url }),
				'Content-Type': 'application/x-www-form-urlencoded',
			},
			body: new URLSearchParams(fields),
		})
	const get = (user: SignedIn | null, path: string, headers: Record<string, string> = {}) =>
		fetch(`${server.url}${path}`, {
			redirect: 'manual',
			headers: { ...(user ? as(user, server.url) : {}), ...headers },
		})

	/** Starts a chat with its first message the way the form does without JavaScript; returns its id and reply id. */
	async function startChat(user: SignedIn, content: string, mode: 'wait' | 'stream' = 'wait') {
		const response = await post(user, '/chat?index', { intent: 'new', model: MODEL, content, mode })
		expect(response.status).toBe(303)
		const match = /^\/chat\/([0-9a-f-]{36})#m-([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')
		if (!match?.[1] || !match[2]) throw new Error(`unexpected redirect ${response.headers.get('location')}`)
		return { id: match[1], replyId: match[2] }
	}

	async function page(user: SignedIn, id: string) {
		const response = await get(user, `/chat/${id}`)
		expect(response.status).toBe(200)
		return response.text()
	}

	beforeAll(async () => {
		stub = await startOpenAIStub({ chunkDelayMs: 5 })
		const database = await serverDatabase(driver, { redis: true })
		dropDatabase = database.dispose
		const services = database.env
		server = await startServer({
			...services,
			OPENAI_API_KEY: 'sk-test',
			OPENAI_BASE_URL: stub.url,
			RATE_LIMITS: LIMITS,
		})
		alice = await signUp(server.url)
		bob = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
		await stub?.close()
		await dropDatabase()
	})

	test('without JavaScript: the form posts, the model runs to completion, the redirect shows the reply', async () => {
		const { id, replyId } = await startChat(alice, 'Hello over HTTP')
		const html = await page(alice, id)
		const messages = messagesIn(html)
		expect(messages.map(m => [m.role, m.status])).toEqual([
			['user', 'complete'],
			['assistant', 'complete'],
		])
		expect(messages[1]?.id).toBe(replyId)
		expect(messages[1]?.html).toContain('<p>Hello from the stub.</p>')
		expect(html).toMatch(/<textarea[^>]*name="content"/)
		expect(html).toContain('name="mode" value="wait"')

		// Edit the first message: a new branch, with "‹ 2 / 2" pointing back at the first version.
		const first = messages[0]?.id ?? ''
		const edited = await post(alice, `/chat/${id}`, {
			intent: 'edit',
			messageId: first,
			text: 'Hello again',
			mode: 'wait',
		})
		expect(edited.status).toBe(303)
		const branched = await page(alice, id)
		expect(messagesIn(branched)[0]?.html).toContain('Hello again')
		expect(branched).toContain(`href="/chat/${id}?branch=${first}#m-${first}"`)
		expect(branched).toMatch(/<span class="tabular-nums">2<!-- --> \/ <!-- -->2<\/span>/)
		const back = await page(alice, `${id}?branch=${first}`)
		expect(messagesIn(back)[0]?.html).toContain('Hello over HTTP')
	})

	test('with JavaScript: the action answers at once and the reply streams over SSE, chunk by chunk', async () => {
		stub.enqueue('chat', { stream: true, chunks: ['One', ' two', ' three', ' four'], chunkDelayMs: 40 })
		const { id, replyId } = await startChat(alice, 'Stream it', 'stream')
		const response = await get(alice, `/api/chat/${id}/stream?message=${replyId}`, { 'Accept-Encoding': 'gzip, br' })
		expect(response.status).toBe(200)
		expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
		expect(response.headers.get('content-encoding')).toBeNull()
		const events = await readEvents(response)
		expect(events[0]).toMatchObject({ event: 'snapshot', data: { messageId: replyId } })
		expect(events.filter(e => e.event === 'delta').length).toBeGreaterThanOrEqual(2)
		const text = events.reduce(
			(t, e) => (e.event === 'snapshot' ? String(e.data.text) : e.event === 'delta' ? t + String(e.data.text) : t),
			'',
		)
		expect(text).toBe('One two three four')
		expect(events.at(-1)).toEqual({ event: 'done', data: { messageId: replyId, status: 'complete', error: null } })
		// A reload afterwards shows the stored reply, rendered on the server.
		expect(messagesIn(await page(alice, id))[1]?.html).toContain('One two three four')
	})

	test('stop over HTTP keeps what was written', async () => {
		stub.enqueue('chat', { stream: true, chunks: Array.from({ length: 40 }, (_, i) => `t${i} `), chunkDelayMs: 30 })
		const { id, replyId } = await startChat(alice, 'Long one', 'stream')
		// Stop once the reply is well under way: the stream has sent its fourth chunk.
		const stream = await get(alice, `/api/chat/${id}/stream?message=${replyId}`)
		await firstOf('the fourth chunk', streamText(stream), text => text.includes('t3 '))
		const stopped = await post(alice, `/chat/${id}`, { intent: 'stop', messageId: replyId })
		expect(stopped.status).toBe(303)
		const reply = messagesIn(await page(alice, id))[1]
		expect(reply?.status).toBe('stopped')
		expect(reply?.html).toMatch(/<p>t0 t1 t2 /)
		expect(reply?.html).not.toContain('t39')
		expect(reply?.html).toContain('Stopped before the end.')
	})

	test('a 429 and an error mid-stream leave a readable message and a Retry button that works', async () => {
		stub.enqueue('chat', { stream: true, status: 429, headers: { 'retry-after': '12' } })
		const { id } = await startChat(alice, 'Rate limited?')
		let reply = messagesIn(await page(alice, id))[1]
		expect(reply?.status).toBe('error')
		expect(reply?.html).toContain('role="alert"')
		expect(reply?.html).toContain('is rate limiting requests. Try again in 12 seconds.')
		expect(reply?.html).toMatch(/name="intent" value="regenerate"[\s\S]*<span>Retry<\/span><\/button>/)

		stub.enqueue('chat', {
			stream: true,
			chunks: ['Half', ' a', ' thought', ' and'],
			failAfterChunks: 3,
			failWith: 'disconnect',
		})
		expect(
			(await post(alice, `/chat/${id}`, { intent: 'regenerate', messageId: reply?.id ?? '', mode: 'wait' })).status,
		).toBe(303)
		reply = messagesIn(await page(alice, id))[1]
		expect(reply?.status).toBe('error')
		expect(reply?.html).toContain('<p>Half a thought</p>')
		expect(reply?.html).toMatch(/stopped answering part-way|had a problem answering/)
		expect(reply?.html).toContain('<span>Retry</span></button>')

		expect(
			(await post(alice, `/chat/${id}`, { intent: 'regenerate', messageId: reply?.id ?? '', mode: 'wait' })).status,
		).toBe(303)
		reply = messagesIn(await page(alice, id))[1]
		expect(reply?.status).toBe('complete')
		expect(reply?.html).toContain('Hello from the stub.')
	})

	test('a reply full of markup and script is rendered as text', async () => {
		stub.enqueue('chat', {
			stream: true,
			chunks: [
				'<script>window.pwned=1</script> ',
				'<img src=x onerror="window.pwned=2"> ',
				'[click](javascript:window.pwned=3) ',
				'<a href="javascript:alert(1)">raw link</a> <iframe src="https://evil.example"></iframe>',
			],
		})
		const { id } = await startChat(alice, 'Be naughty')
		const reply = messagesIn(await page(alice, id))[1]?.html ?? ''
		expect(reply).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;')
		expect(reply).toContain('&lt;img src=x onerror="window.pwned=2"&gt;')
		expect(reply).not.toMatch(/<(script|img|iframe)\b/)
		expect(reply).not.toMatch(/<[a-z][^>]*\son\w+=/i)
		expect(reply).not.toMatch(/<a\b[^>]*href="javascript:/i)
		expect(reply).toContain('[click](javascript:window.pwned=3)')
	})

	test('attachments are uploaded with the message, checked by content and served signed', async () => {
		const { id } = await startChat(alice, 'Files next')
		const body = new FormData()
		body.set('intent', 'send')
		body.set('content', 'What is in this picture?')
		body.set('mode', 'wait')
		body.append('attachments', new Blob([new Uint8Array(STUB_PNG)], { type: 'image/png' }), 'pixel.png')
		const sent = await fetch(`${server.url}/chat/${id}`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(alice, server.url),
			body,
		})
		expect(sent.status).toBe(303)
		const html = await page(alice, id)
		const src = /<img src="(\/media\/attachments\/[^"]+)" alt="pixel.png"/.exec(html)?.[1]?.replaceAll('&amp;', '&')
		expect(src).toBeDefined()
		const file = await fetch(`${server.url}${src}`)
		expect(file.status).toBe(200)
		expect(file.headers.get('content-type')).toBe('image/png')
		const request = stub.requests.filter(r => r.route === 'chat').at(-1)?.json as {
			messages: Array<{ content: unknown }>
		}
		expect(JSON.stringify(request.messages.at(-1)?.content)).toContain('data:image/png;base64,')

		const fake = new FormData()
		fake.set('intent', 'send')
		fake.set('content', 'And this?')
		// An executable calling itself a PNG: its bytes say otherwise, and attachments do not take executables.
		const exe = new Uint8Array([
			0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0xb8, 0x00,
		])
		fake.append('attachments', new Blob([exe], { type: 'image/png' }), 'evil.png')
		const refused = await fetch(`${server.url}/chat/${id}`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(alice, server.url),
			body: fake,
		})
		expect(refused.status).toBe(415)
	})

	test('export as Markdown and JSON; the JSON imports as a new chat', async () => {
		const { id } = await startChat(alice, 'Export me')
		const md = await get(alice, `/api/chat/${id}/export?format=markdown`)
		expect(md.status).toBe(200)
		expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
		expect(md.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.md"$/)
		expect(await md.text()).toContain('## You\n\nExport me\n')
		const json = await get(alice, `/api/chat/${id}/export?format=json`)
		const body = new FormData()
		body.set('intent', 'import')
		body.append('file', new Blob([await json.text()], { type: 'application/json' }), 'export.json')
		const imported = await fetch(`${server.url}/chat?index`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(alice, server.url),
			body,
		})
		expect(imported.status).toBe(303)
		const copy = /^\/chat\/([0-9a-f-]{36})$/.exec(imported.headers.get('location') ?? '')?.[1] ?? ''
		expect(copy).not.toBe(id)
		expect(messagesIn(await page(alice, copy))[0]?.html).toContain('Export me')
	})

	test('the list searches message bodies; rename, pin and delete are forms', async () => {
		const { id } = await startChat(alice, 'Where do puffins nest?')
		expect(
			(await post(alice, '/chat', { intent: 'rename', conversationId: id, title: 'Puffin facts', redirectTo: '/chat' }))
				.status,
		).toBe(303)
		expect(
			(await post(alice, '/chat', { intent: 'pin', conversationId: id, pinned: 'true', redirectTo: '/chat' })).status,
		).toBe(303)
		const found = await (await get(alice, '/chat?q=puffins')).text()
		expect(found).toContain('Puffin facts')
		expect(found).toContain('<mark')
		expect(
			(await post(alice, '/chat', { intent: 'delete', conversationId: id, redirectTo: 'https://evil.example/' }))
				.status,
		).toBe(400)
		expect((await post(alice, '/chat', { intent: 'delete', conversationId: id })).headers.get('location')).toBe('/chat')
		expect((await get(alice, `/chat/${id}`)).status).toBe(404)
	})

	test('POST /api/title names a chat (JSON), and has its own rate limit', async () => {
		const { id } = await startChat(alice, 'Something to name')
		const call = () =>
			fetch(`${server.url}/api/title`, {
				method: 'POST',
				headers: as(alice, server.url, { 'Content-Type': 'application/json' }),
				body: JSON.stringify({ conversationId: id }),
			})
		const first = await call()
		expect(first.status).toBe(200)
		expect(await first.json()).toEqual({ title: 'Hello from the stub' })
		const statuses = [(await call()).status, (await call()).status, (await call()).status]
		expect(statuses).toContain(429)
	})

	test('POST /api/analysis answers JSON for an image and refuses what is not one', async () => {
		const body = new FormData()
		body.append('file', new Blob([new Uint8Array(STUB_PNG)], { type: 'image/png' }), 'frame.png')
		body.set('question', 'What is this?')
		body.set('model', 'offline:chat')
		const response = await fetch(`${server.url}/api/analysis`, { method: 'POST', headers: as(alice, server.url), body })
		expect(response.status).toBe(200)
		const { analysis } = (await response.json()) as { analysis: { text: string; model: string; costMicros: number } }
		expect(analysis).toMatchObject({ model: 'offline:chat', costMicros: 0 })
		expect(analysis.text).toContain('PNG image, 1×1 pixels')

		const bad = new FormData()
		bad.append('file', new Blob(['just text'], { type: 'image/png' }), 'x.png')
		const refused = await fetch(`${server.url}/api/analysis`, {
			method: 'POST',
			headers: as(alice, server.url),
			body: bad,
		})
		expect(refused.status).toBe(415)
		expect(await refused.json()).toMatchObject({ error: { code: 'not_an_image' } })
	})

	test('the anonymous are refused everywhere: pages redirect to sign-in, APIs answer 401', async () => {
		const { id, replyId } = await startChat(alice, 'Not for strangers')
		for (const path of ['/chat', `/chat/${id}`, '/chat?q=strangers']) {
			const response = await get(null, path)
			expect(response.status, path).toBe(302)
			expect(response.headers.get('location'), path).toMatch(/^\/login\?redirectTo=/)
		}
		for (const [path, fields] of [
			['/chat?index', { intent: 'new', content: 'hi' }],
			[`/chat/${id}`, { intent: 'send', content: 'hi' }],
			['/chat', { intent: 'delete', conversationId: id }],
		] as const) {
			const response = await post(null, path, fields)
			expect([302, 401], path).toContain(response.status)
		}
		for (const path of [`/api/chat/${id}/stream?message=${replyId}`, `/api/chat/${id}/export?format=json`]) {
			const response = await get(null, path)
			expect(response.status, path).toBe(401)
			expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } })
		}
		for (const path of ['/api/title', '/api/analysis']) {
			const response = await fetch(`${server.url}${path}`, {
				method: 'POST',
				headers: { Origin: server.url, 'Content-Type': 'application/json' },
				body: JSON.stringify({ conversationId: id }),
			})
			expect(response.status, path).toBe(401)
		}
	})

	test('another user gets "not found" from every chat route and API', async () => {
		const { id, replyId } = await startChat(alice, 'Alice only')
		const html = await page(alice, id)
		const userMessage = messagesIn(html)[0]?.id ?? ''
		expect((await get(bob, `/chat/${id}`)).status).toBe(404)
		expect((await get(bob, `/chat/${id}?branch=${userMessage}`)).status).toBe(404)
		const pageForms: Array<Record<string, string>> = [
			{ intent: 'send', content: 'sneaky', mode: 'wait' },
			{ intent: 'edit', messageId: userMessage, text: 'sneaky', mode: 'wait' },
			{ intent: 'regenerate', messageId: replyId, mode: 'wait' },
			{ intent: 'stop', messageId: replyId },
			{ intent: 'settings', title: 'Mine' },
		]
		for (const fields of pageForms) {
			expect((await post(bob, `/chat/${id}`, fields)).status, fields.intent).toBe(404)
		}
		const listForms: Array<Record<string, string>> = [
			{ intent: 'rename', conversationId: id, title: 'Mine' },
			{ intent: 'pin', conversationId: id, pinned: 'true' },
			{ intent: 'delete', conversationId: id },
		]
		for (const fields of listForms) {
			expect((await post(bob, '/chat', fields)).status, fields.intent).toBe(404)
		}
		expect((await get(bob, `/api/chat/${id}/stream?message=${replyId}`)).status).toBe(404)
		expect((await get(bob, `/api/chat/${id}/export?format=json`)).status).toBe(404)
		const title = await fetch(`${server.url}/api/title`, {
			method: 'POST',
			headers: as(bob, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ conversationId: id }),
		})
		expect(title.status).toBe(404)
		// Nothing changed for Alice.
		expect(messagesIn(await page(alice, id)).map(m => m.role)).toEqual(['user', 'assistant'])
		expect(await page(alice, id)).toContain('Alice only')
	})
})
