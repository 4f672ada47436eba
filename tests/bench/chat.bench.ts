/**
 * Chat budgets, measured on the built server in production mode (embedded database), with the real openai SDK
 * talking to the stub server in this process:
 *   1. the server render of a conversation with 500 messages on its branch (GET /chat/:id, whole body read):
 *      p50 under 25 ms;
 *   2. the first token of a streamed reply relayed to an SSE client within 5 ms of the stub sending it (p50),
 *      timed on this process's clock at both ends.
 * Each figure is printed beside the one recorded before the render-speed work (tests/bench/before.json).
 * Run alone: `npx tsx tests/bench/chat.bench.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import type { RunningServer } from '#tests/support/server.ts'
import { cpuMs, importConversation, onBenchServer, reportRuns, RUNS, stats } from './support.ts'
import type { Budget, Figures, Stats } from './support.ts'

const BRANCH_LENGTH = 500
const RENDER_ITERATIONS = Number(process.env.BENCH_CHAT_RENDERS ?? 200)
const RELAY_ITERATIONS = Number(process.env.BENCH_CHAT_STREAMS ?? 30)

export const CHAT_BUDGETS: Budget[] = [
	{ key: 'chat500_render_p50', label: 'GET /chat/:id, 500 messages on the branch: p50', unit: 'ms', max: 25 },
	{ key: 'sse_first_token_p50', label: 'first SSE token relayed after the stub sends it: p50', unit: 'ms', max: 5 },
]

const INFO = [
	{ key: 'chat500_render_p95', label: 'GET /chat/:id, 500 messages: p95', unit: 'ms' },
	{ key: 'chat500_cpu_ms', label: 'GET /chat/:id, 500 messages: server CPU ms per render', unit: 'ms' },
	{ key: 'chat500_rendered_messages', label: 'GET /chat/:id, 500 messages: messages in the page', unit: '' },
	{ key: 'chat500_bytes', label: 'GET /chat/:id, 500 messages: bytes', unit: '' },
	{ key: 'sse_first_token_p95', label: 'first SSE token relayed: p95', unit: 'ms' },
	{ key: 'healthz_round_trip_p50', label: 'GET /healthz round trip p50 (the floor of any relay)', unit: 'ms' },
] as const

const fmt = (s: Stats) => `p50 ${s.p50.toFixed(2)} ms  p95 ${s.p95.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`

async function measureRender(
	server: RunningServer,
	cookie: string,
	id: string,
): Promise<Stats & { bytes: number; shown: number; cpuPerRender: number }> {
	const url = `${server.url}/chat/${id}`
	let html = ''
	for (let i = 0; i < 30; i++) html = await (await fetch(url, { headers: { Cookie: cookie } })).text()
	const shown = html.match(/data-message-id=/g)?.length ?? 0
	const samples: number[] = []
	const cpuBefore = cpuMs(server.child.pid ?? 0)
	for (let i = 0; i < RENDER_ITERATIONS; i++) {
		const started = performance.now()
		const response = await fetch(url, { headers: { Cookie: cookie } })
		await response.text()
		samples.push(performance.now() - started)
		if (response.status !== 200) throw new Error(`GET /chat/:id answered ${response.status}`)
	}
	const cpuPerRender = (cpuMs(server.child.pid ?? 0) - cpuBefore) / RENDER_ITERATIONS
	return { ...stats(samples), bytes: html.length, shown, cpuPerRender }
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

/** Two hops between this process and the server, as a relayed token takes: what the machine's scheduling costs. */
async function measureRoundTrip(server: RunningServer): Promise<Stats> {
	const samples: number[] = []
	for (let i = 0; i < 60; i++) {
		const started = performance.now()
		await (await fetch(`${server.url}/healthz`)).text()
		if (i >= 10) samples.push(performance.now() - started)
	}
	return stats(samples)
}

async function measureRelay(
	server: RunningServer,
	stub: Awaited<ReturnType<typeof startOpenAIStub>>,
	cookie: string,
	id: string,
): Promise<Stats> {
	const relays: number[] = []
	for (let i = 0; i < RELAY_ITERATIONS + 3; i++) {
		// Paced chunks: the client attaches while the reply is being written, as a browser does after the redirect.
		stub.enqueue('chat', { chunks: CHUNKS, chunkDelayMs: 60 })
		const received = await firstLiveDelta(server, cookie, id)
		const sentAt = stub.streams.at(-1)?.chunkSentAt[received.index]
		if (sentAt === undefined) throw new Error('the stub did not send that chunk')
		if (i >= 3) relays.push(received.at - sentAt)
	}
	return stats(relays)
}

export async function runChatBench() {
	const stub = await startOpenAIStub()
	const env = {
		OPENAI_API_KEY: 'sk-bench',
		OPENAI_BASE_URL: stub.url,
		OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
		// Only through configuration: the bench sends far more than a person would.
		RATE_LIMITS: 'global=100000000/60,signup=1000/3600,chat=100000/60,write=100000/60',
	}
	try {
		return await onBenchServer(env, async (server, cookie) => {
			const id = await importConversation(server, cookie, BRANCH_LENGTH)
			// Replies are streamed into a conversation of their own, so the long one stays 500 messages long.
			const relayChat = await importConversation(server, cookie, 2)
			const runs: Figures[] = []
			for (let run = 0; run < RUNS; run++) {
				const render = await measureRender(server, cookie, id)
				const relay = await measureRelay(server, stub, cookie, relayChat)
				const roundTrip = await measureRoundTrip(server)
				process.stdout.write(
					[
						`GET /chat/:id, ${BRANCH_LENGTH} messages on the branch (${render.shown} rendered, ${render.bytes} bytes), ${RENDER_ITERATIONS} requests`,
						`  render     ${fmt(render)}   server CPU ${render.cpuPerRender.toFixed(2)} ms per render`,
						`first SSE token, stub send -> client receive, ${RELAY_ITERATIONS} replies`,
						`  relay      ${fmt(relay)}`,
						`  /healthz   ${fmt(roundTrip)}   (round trip, for comparison)`,
						'',
					].join('\n'),
				)
				runs.push({
					chat500_render_p50: render.p50,
					chat500_render_p95: render.p95,
					chat500_cpu_ms: render.cpuPerRender,
					chat500_rendered_messages: render.shown,
					chat500_bytes: render.bytes,
					sse_first_token_p50: relay.p50,
					sse_first_token_p95: relay.p95,
					healthz_round_trip_p50: roundTrip.p50,
				})
			}
			return reportRuns('Chat', CHAT_BUDGETS, INFO, runs)
		})
	} finally {
		await stub.close()
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runChatBench().then(result => process.exit(result.pass ? 0 : 1))
}
