/**
 * Chat budgets, measured on the built server in production mode (embedded database), with the real openai SDK
 * talking to the stub server in this process:
 *   1. the server render of a conversation with 500 messages on its branch (GET /chat/:id, whole body read):
 *      p50 under 40 ms;
 *   2. the first token of a streamed reply relayed to an SSE client within 10 ms of the stub sending it (p50),
 *      timed on this process's clock at both ends.
 * Run alone: `npx tsx tests/bench/chat.bench.ts` (after `npm run build`).
 */
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'

const RENDER_BUDGET_MS = 40
const RELAY_BUDGET_MS = 10
const BRANCH_LENGTH = 500
const RENDER_ITERATIONS = Number(process.env.BENCH_CHAT_RENDERS ?? 200)
const RELAY_ITERATIONS = Number(process.env.BENCH_CHAT_STREAMS ?? 30)

type Stats = { p50: number; p95: number; max: number }

function stats(samples: number[]): Stats {
	const sorted = [...samples].sort((a, b) => a - b)
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
	return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 }
}

const fmt = (s: Stats) => `p50 ${s.p50.toFixed(2)} ms  p95 ${s.p95.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`

/** A reply as long and as varied as real ones: paragraphs, a list, now and then a code block. */
function replyText(n: number): string {
	const paragraph = `Point ${n}: the answer depends on the **context** and on what you want to optimise for; here is the short version, with a [reference](https://example.com/${n}).`
	const list = ['- first, measure', '- then change one thing', '- measure again'].join('\n')
	const code =
		n % 5 === 0
			? `\n\n\`\`\`ts\nexport function step${n}(input: number): number {\n\treturn input * ${n}\n}\n\`\`\``
			: ''
	return `${paragraph}\n\n${list}${code}\n\n${paragraph}`
}

/** Signs up without an Origin header: in production the origin check wants PUBLIC_URL's port, unknown before start. */
async function signUp(server: RunningServer): Promise<string> {
	const response = await fetch(`${server.url}/signup`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			name: 'Bench',
			email: `bench-${randomUUID().slice(0, 8)}@example.test`,
			password: 'correct horse battery staple',
			website: '',
		}),
	})
	const cookie = response.headers
		.getSetCookie()
		.map(c => c.split(';')[0])
		.join('; ')
	if (response.status !== 303 || !cookie) throw new Error(`sign-up failed: ${response.status}`)
	return cookie
}

async function importLongConversation(server: RunningServer, cookie: string): Promise<string> {
	const messages = Array.from({ length: BRANCH_LENGTH }, (_, i) => ({
		id: `m${i}`,
		parentId: i === 0 ? null : `m${i - 1}`,
		role: i % 2 === 0 ? 'user' : 'assistant',
		content: i % 2 === 0 ? `Question ${i}: how should I approach part ${i} of the project?` : replyText(i),
		model: i % 2 === 0 ? null : 'offline:chat',
	}))
	// A second version of an early message, so the branch has siblings to count.
	messages.push({ id: 'alt', parentId: null, role: 'user', content: 'An earlier first question', model: null })
	const file = {
		format: 'generation-studio-conversation',
		version: 1,
		conversation: { title: 'Five hundred messages', model: 'openai:gpt-4o-mini' },
		currentLeafId: `m${BRANCH_LENGTH - 1}`,
		messages,
	}
	const body = new FormData()
	body.set('intent', 'import')
	body.append('file', new Blob([JSON.stringify(file)], { type: 'application/json' }), 'long.json')
	const response = await fetch(`${server.url}/chat?index`, {
		method: 'POST',
		redirect: 'manual',
		headers: { Cookie: cookie },
		body,
	})
	const id = /^\/chat\/([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')?.[1]
	if (!id) throw new Error(`import failed: ${response.status} ${await response.text()}`)
	return id
}

async function measureRender(
	server: RunningServer,
	cookie: string,
	id: string,
): Promise<Stats & { bytes: number; shown: number }> {
	const url = `${server.url}/chat/${id}`
	let html = ''
	for (let i = 0; i < 30; i++) html = await (await fetch(url, { headers: { Cookie: cookie } })).text()
	const shown = html.match(/data-message-id=/g)?.length ?? 0
	const samples: number[] = []
	for (let i = 0; i < RENDER_ITERATIONS; i++) {
		const started = performance.now()
		const response = await fetch(url, { headers: { Cookie: cookie } })
		await response.text()
		samples.push(performance.now() - started)
		if (response.status !== 200) throw new Error(`GET /chat/:id answered ${response.status}`)
	}
	return { ...stats(samples), bytes: html.length, shown }
}

const CHUNKS = Array.from({ length: 8 }, (_, i) => `c${i} `)

/**
 * Sends a message (JavaScript mode) and follows its stream. Returns the first chunk that arrived as a live
 * delta (chunks written before the client attached arrive in the snapshot and do not count) and when.
 */
async function firstLiveDelta(
	server: RunningServer,
	cookie: string,
	id: string,
): Promise<{ index: number; at: number }> {
	const sent = await fetch(`${server.url}/chat/${id}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ intent: 'send', content: 'Stream this, please.', mode: 'stream' }),
	})
	const replyId = /#m-([0-9a-f-]{36})$/.exec(sent.headers.get('location') ?? '')?.[1]
	if (!replyId) throw new Error(`send failed: ${sent.status}`)
	const response = await fetch(`${server.url}/api/chat/${id}/stream?message=${replyId}`, {
		headers: { Cookie: cookie },
	})
	const reader = response.body?.getReader()
	if (!reader) throw new Error('no stream body')
	const decoder = new TextDecoder()
	let buffer = ''
	let first: { index: number; at: number } | null = null
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		const at = performance.now()
		buffer += decoder.decode(value, { stream: true })
		const delta = /event: delta\ndata: (\{.*\})\n/.exec(buffer)
		if (first === null && delta?.[1]) {
			const text = (JSON.parse(delta[1]) as { text: string }).text
			first = { index: CHUNKS.indexOf(text), at }
		}
		if (buffer.includes('event: done')) break
	}
	await reader.cancel().catch(() => undefined)
	if (first === null || first.index < 0) throw new Error(`no live delta arrived:\n${buffer}`)
	return first
}

export async function runChatBench() {
	const stub = await startOpenAIStub()
	const server = await startServer({
		NODE_ENV: 'production',
		SESSION_SECRET: 'bench-secret-'.padEnd(40, 'x'),
		PUBLIC_URL: 'http://127.0.0.1',
		// The start-up line (info) tells the harness the port.
		LOG_LEVEL: 'info',
		OPENAI_API_KEY: 'sk-bench',
		OPENAI_BASE_URL: stub.url,
		OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
		// Only through configuration: the bench sends far more than a person would.
		RATE_LIMITS: 'global=100000000/60,signup=1000/3600,chat=100000/60,write=100000/60',
	})
	try {
		const cookie = await signUp(server)
		const id = await importLongConversation(server, cookie)
		const render = await measureRender(server, cookie, id)

		const relays: number[] = []
		for (let i = 0; i < RELAY_ITERATIONS + 3; i++) {
			// Paced chunks: the client attaches while the reply is being written, as a browser does after the redirect.
			stub.enqueue('chat', { chunks: CHUNKS, chunkDelayMs: 60 })
			const received = await firstLiveDelta(server, cookie, id)
			const sentAt = stub.streams.at(-1)?.chunkSentAt[received.index]
			if (sentAt === undefined) throw new Error('the stub did not send that chunk')
			if (i >= 3) relays.push(received.at - sentAt)
		}
		const relay = stats(relays)
		const renderPass = render.p50 < RENDER_BUDGET_MS
		const relayPass = relay.p50 < RELAY_BUDGET_MS
		process.stdout.write(
			[
				`GET /chat/:id, ${BRANCH_LENGTH} messages on the branch (${render.shown} rendered, ${render.bytes} bytes), ${RENDER_ITERATIONS} requests`,
				`  render     ${fmt(render)}   budget p50 < ${RENDER_BUDGET_MS} ms ${renderPass ? 'PASS' : 'FAIL'}`,
				`first SSE token, stub send -> client receive, ${RELAY_ITERATIONS} replies`,
				`  relay      ${fmt(relay)}   budget p50 < ${RELAY_BUDGET_MS} ms ${relayPass ? 'PASS' : 'FAIL'}`,
				'',
			].join('\n'),
		)
		return { pass: renderPass && relayPass, render, relay }
	} finally {
		await server.stop()
		await stub.close()
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runChatBench().then(result => process.exit(result.pass ? 0 : 1))
}
