/**
 * Run as a separate process by drain.test.ts: keep-alive load on a server, the way a busy balancer or API
 * client sends it. Each of <connections> loops GET <path> over a keep-alive agent until its stdin closes, then
 * prints one JSON line: answers by status, answers that said `Connection: close`, and failures by kind.
 * A reset (ECONNRESET, EPIPE, "socket hang up") is a request the server dropped; a refused connection is a
 * server that had stopped listening, which a client or balancer handles by going elsewhere.
 * Usage: node --import tsx keepalive-load.ts <baseUrl> <connections> <path>
 */
import http from 'node:http'
import { sleep } from '#server/sleep.ts'

const [baseUrl, connections, path] = process.argv.slice(2)
if (!baseUrl || !connections || !path) throw new Error('usage: keepalive-load.ts <baseUrl> <connections> <path>')

const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) })
const summary = {
	answered: 0,
	byStatus: {} as Record<string, number>,
	connectionClose: 0,
	resets: 0,
	refused: 0,
	other: [] as string[],
}
let stopping = false

function get(): Promise<void> {
	return new Promise((resolve, reject) => {
		const request = http.get(new URL(path ?? '/', baseUrl), { agent }, response => {
			response.resume()
			response.on('end', () => {
				summary.answered++
				const status = String(response.statusCode)
				summary.byStatus[status] = (summary.byStatus[status] ?? 0) + 1
				if (response.headers.connection === 'close') summary.connectionClose++
				resolve()
			})
			response.on('error', reject)
		})
		request.on('error', reject)
	})
}

async function loop() {
	while (!stopping) {
		try {
			await get()
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code ?? ''
			if (code === 'ECONNREFUSED') {
				summary.refused++
				// Pacing the load, not waiting for anything: a refused connection is tried again a moment later.
				await sleep(20)
			} else if (code === 'ECONNRESET' || code === 'EPIPE') summary.resets++
			else summary.other.push(`${code} ${error instanceof Error ? error.message : String(error)}`)
		}
	}
}

let progress = 0
const reporter = setInterval(() => {
	if (summary.answered !== progress) {
		progress = summary.answered
		process.stdout.write(`${JSON.stringify({ progress })}\n`)
	}
}, 100)

const loops = Array.from({ length: Number(connections) }, () => loop())
process.stdin.resume()
process.stdin.on('end', () => {
	stopping = true
	clearInterval(reporter)
	void Promise.all(loops).then(() => {
		agent.destroy()
		process.stdout.write(`${JSON.stringify({ summary })}\n`)
	})
})
