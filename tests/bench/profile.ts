/**
 * Where a rendered request's CPU time goes, with start-up excluded: starts the built server (production mode,
 * embedded database) with the inspector on, seeds a signed-in user with a 20-message chat and a few images,
 * then records a CPU profile only while autocannon loads one page, and prints the top frames by self time and
 * the time per request by package. Not a budget; the figures behind docs/decisions/016-render-speed.md.
 *
 *   NODE_OPTIONS=--experimental-websocket npx tsx tests/bench/profile.ts / /library /chat /images
 *
 * `/` is profiled signed out with a cookie (past the page cache); `/chat` means the seeded chat's page, `/chat500`
 * a chat with 500 messages on its branch, `/images200` the image gallery of a user with 200 images, `/library10k` (alone)
 * the library of a user with 10,000 items.
 * PROFILE_SECONDS (default 10) sets the length of each load; PROFILE_OUT=dir keeps the .cpuprofile files.
 * PROFILE_OTLP=1 exports every signal over OTLP to a local receiver that only acknowledges, to see what telemetry
 * costs per request.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { RunningServer } from '#tests/support/server.ts'
import { seedImages } from './images.bench.ts'
import { seedItems } from './library.bench.ts'
import { BENCH_ENV, importConversation, load, signUp } from './support.ts'

type CallFrame = { functionName: string; url: string; lineNumber: number }
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] }
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10)

class Inspector {
	private next = 1
	private pending = new Map<number, (value: unknown) => void>()
	private constructor(private socket: WebSocket) {
		socket.addEventListener('message', event => {
			const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown }
			if (message.id !== undefined) this.pending.get(message.id)?.(message.result)
		})
	}
	static async connect(url: string) {
		const socket = new WebSocket(url)
		await new Promise((resolve, reject) => {
			socket.addEventListener('open', resolve)
			socket.addEventListener('error', reject)
		})
		return new Inspector(socket)
	}
	send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
		const id = this.next++
		this.socket.send(JSON.stringify({ id, method, params }))
		return new Promise(resolve => this.pending.set(id, value => resolve(value as T)))
	}
	close() {
		this.socket.close()
	}
}

/** An OTLP endpoint that takes everything and answers 200 at once. */
async function startReceiver() {
	const server = http.createServer((req, res) => {
		req.resume()
		req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
	})
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
	server.unref()
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function startProfiledServer(ownDataDir?: string): Promise<RunningServer & { inspector: Inspector }> {
	const otlp = process.env.PROFILE_OTLP
		? { OTEL_EXPORTER_OTLP_ENDPOINT: await startReceiver(), OTEL_SERVICE_NAME: 'generation-studio-profile' }
		: {}
	const dataDir = ownDataDir ?? mkdtempSync(path.join(tmpdir(), 'gs-profile-'))
	const child = spawn(
		process.execPath,
		['--inspect=127.0.0.1:0', '--enable-source-maps', '--import', './build/telemetry.js', './build/server.js'],
		{
			env: {
				PATH: process.env.PATH ?? '',
				HOME: process.env.HOME ?? '',
				HOST: '127.0.0.1',
				PORT: '0',
				DATA_DIR: dataDir,
				...BENCH_ENV,
				RATE_LIMITS: 'global=100000000/60,signup=1000/3600,generation=100000/60,write=100000/60',
				...otlp,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	)
	let output = ''
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
	const exited = new Promise<number | null>(resolve =>
		child.on('exit', code => {
			if (!ownDataDir) rmSync(dataDir, { recursive: true, force: true })
			resolve(code)
		}),
	)
	// Creating the embedded database takes most of a minute on a busy machine.
	const deadline = Date.now() + 180_000
	let port = 0
	let ws = ''
	while (port === 0 || ws === '') {
		ws = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? ''
		port = Number(/listening on http:\/\/[^:\s]+:(\d+)/.exec(output)?.[1] ?? /"port":(\d+)/.exec(output)?.[1] ?? 0)
		if (child.exitCode !== null) throw new Error(`server exited:\n${output}`)
		if (Date.now() > deadline) {
			child.kill('SIGTERM')
			throw new Error(`server did not start:\n${output}`)
		}
		await new Promise(resolve => setTimeout(resolve, 50))
	}
	const inspector = await Inspector.connect(ws)
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		child,
		output: () => output,
		exited,
		inspector,
		async stop() {
			inspector.close()
			if (child.exitCode === null) child.kill('SIGTERM')
			return exited
		},
	}
}

/** The package a frame belongs to (node_modules/<pkg>), our own code by folder, or V8's pseudo-frames. */
function bucket(frame: CallFrame): string {
	const { url, functionName } = frame
	if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`
	const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
	if (pkg) return pkg
	if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`
	if (url.includes('/build/remix/')) return 'app (remix build)'
	if (url.includes('/build/server.js')) return 'server (our bundle)'
	return url.replace(/^file:\/\//, '').replace(process.cwd(), '.')
}

function summarise(profile: Profile, requests: number, label: string) {
	const byId = new Map(profile.nodes.map(n => [n.id, n]))
	const self = new Map<number, number>()
	for (let i = 0; i < profile.samples.length; i++) {
		const id = profile.samples[i] ?? 0
		self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0))
	}
	const totalUs = profile.endTime - profile.startTime
	const idleUs = [...self]
		.filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
		.reduce((s, [, t]) => s + t, 0)
	const frames = new Map<string, number>()
	const buckets = new Map<string, number>()
	for (const [id, us] of self) {
		const frame = byId.get(id)?.callFrame
		if (!frame || frame.functionName === '(idle)') continue
		const name = `${frame.functionName || '(anonymous)'}  ${bucket(frame)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
		frames.set(name, (frames.get(name) ?? 0) + us)
		buckets.set(bucket(frame), (buckets.get(bucket(frame)) ?? 0) + us)
	}
	const busyUs = totalUs - idleUs
	const perRequest = (us: number) => `${(us / 1000 / requests).toFixed(3)} ms/req`
	const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1).padStart(5)}%`
	const top = (m: Map<string, number>, n: number) =>
		[...m]
			.sort((a, b) => b[1] - a[1])
			.slice(0, n)
			.map(([name, us]) => `    ${pct(us)}  ${perRequest(us).padStart(14)}  ${name}`)
	process.stdout.write(
		[
			`${label}: ${requests} requests in ${(totalUs / 1e6).toFixed(1)} s; busy ${(busyUs / 1000 / requests).toFixed(3)} ms CPU per request (${((busyUs / totalUs) * 100).toFixed(0)}% of the time)`,
			'  by package (self time):',
			...top(buckets, 18),
			'  top frames (self time):',
			...top(frames, 25),
			'',
		].join('\n'),
	)
}

async function profilePage(
	server: RunningServer & { inspector: Inspector },
	page: string,
	url: string,
	headers: string[],
) {
	await load(url, 3, { headers }) // warm: JIT, caches, first renders
	await server.inspector.send('Profiler.start')
	const figures = await load(url, SECONDS, { headers })
	const { profile } = await server.inspector.send<{ profile: Profile }>('Profiler.stop')
	if (process.env.PROFILE_OUT) {
		mkdirSync(process.env.PROFILE_OUT, { recursive: true })
		const file = path.join(process.env.PROFILE_OUT, `${page.replace(/\W+/g, '_') || 'root'}.cpuprofile`)
		writeFileSync(file, JSON.stringify(profile))
	}
	const requests = Math.round(figures.requestsPerSecond * SECONDS)
	summarise(profile, requests, `${page} (${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50} ms)`)
}

/** `/library10k`: a user with 10,000 items, written into the database between two starts (as the library bench does). */
async function startLibrary10k(): Promise<{ server: RunningServer & { inspector: Inspector }; cookie: string }> {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-profile-'))
	const first = await startProfiledServer(dataDir)
	const cookie = await signUp(first)
	await first.stop()
	await seedItems(dataDir)
	return { server: await startProfiledServer(dataDir), cookie }
}

async function main() {
	const pages = process.argv.slice(2)
	if (pages.length === 1 && pages[0] === '/library10k') {
		const { server, cookie } = await startLibrary10k()
		try {
			await server.inspector.send('Profiler.enable')
			await server.inspector.send('Profiler.setSamplingInterval', { interval: 100 })
			await profilePage(server, '/library10k', `${server.url}/library`, [`Cookie=${cookie}`])
		} finally {
			await server.stop()
		}
		return
	}
	const server = await startProfiledServer()
	try {
		const cookie = await signUp(server)
		const chatId = await importConversation(server, cookie, 20)
		const longChatId = pages.includes('/chat500') ? await importConversation(server, cookie, 500) : null
		for (let i = 0; i < 4; i++) {
			await fetch(`${server.url}/api/generate/image`, {
				method: 'POST',
				headers: { Cookie: cookie, 'Content-Type': 'application/json' },
				body: JSON.stringify({ prompt: `profile ${i}`, size: '512x512', n: 1 }),
			})
		}
		if (pages.includes('/images200'))
			await seedImages(server, cookie).catch((error: unknown) => {
				throw new Error(`seeding failed: ${String(error)}\n${server.output().slice(-3000)}`)
			})
		await server.inspector.send('Profiler.enable')
		await server.inspector.send('Profiler.setSamplingInterval', { interval: 100 })
		for (const page of pages.length ? pages : ['/', '/library', '/chat', '/images']) {
			const url = `${server.url}${page === '/chat' ? `/chat/${chatId}` : page === '/chat500' ? `/chat/${longChatId}` : page === '/images200' ? '/images' : page}`
			const headers = page === '/' ? ['Cookie=bench=1'] : [`Cookie=${cookie}`]
			await profilePage(server, page, url, headers)
		}
	} finally {
		await server.stop()
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
		process.exit(1)
	},
)
