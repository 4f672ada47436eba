import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	DEFAULT_OUTPUT_HOSTS,
	fetchOutput,
	FetchOutputError,
	type FetchOutputOptions,
} from '#server/storage/fetch-output.ts'
import { encoded, png } from '#tests/support/samples.ts'
import { waitFor } from '#tests/support/wait.ts'

/**
 * A raw TCP server speaking HTTP/1.1 by hand on 127.0.0.1, so a test controls every byte: wrong or missing
 * Content-Length, a body that never ends, a redirect.
 */
type Route = (socket: Socket) => void

const image = png(8, 8)
const big = Buffer.alloc(300_000, 7)
const seen: string[] = []
let server: Server
let port: number
const sockets = new Set<Socket>()

function head(status: string, headers: Record<string, string | number>): string {
	return `HTTP/1.1 ${status}\r\n${Object.entries(headers)
		.map(([k, v]) => `${k}: ${v}\r\n`)
		.join('')}\r\n`
}

const routes: Record<string, Route> = {
	'/image.png': s => {
		s.write(head('200 OK', { 'Content-Type': 'image/png', 'Content-Length': image.length, Connection: 'close' }))
		s.end(image)
	},
	'/video.mp4': s => {
		// Declared as something else entirely: the bytes decide.
		s.write(head('200 OK', { 'Content-Type': 'text/html', 'Content-Length': encoded.mp4.length, Connection: 'close' }))
		s.end(encoded.mp4)
	},
	'/redirect': s => {
		s.end(
			head('302 Found', { Location: `http://127.0.0.1:${port}/image.png`, 'Content-Length': 0, Connection: 'close' }),
		)
	},
	'/missing': s => {
		s.end(head('404 Not Found', { 'Content-Length': 0, Connection: 'close' }))
	},
	'/declared-too-big': s => {
		s.write(head('200 OK', { 'Content-Length': 50_000_000, Connection: 'close' }))
		s.write(image)
	},
	'/chunked-too-big': s => {
		s.write(head('200 OK', { 'Transfer-Encoding': 'chunked', Connection: 'close' }))
		for (let i = 0; i < big.length; i += 10_000) {
			const part = big.subarray(i, i + 10_000)
			s.write(`${part.length.toString(16)}\r\n`)
			s.write(part)
			s.write('\r\n')
		}
		s.end('0\r\n\r\n')
	},
	'/close-delimited-too-big': s => {
		// No length at all: the body runs until the connection closes.
		s.write(head('200 OK', { Connection: 'close' }))
		s.end(big)
	},
	'/lying-length': s => {
		// Claims a small body, then keeps sending.
		s.write(head('200 OK', { 'Content-Length': 1000, Connection: 'close' }))
		s.end(Buffer.concat([Buffer.from(image), big]))
	},
	'/short-body': s => {
		s.write(head('200 OK', { 'Content-Length': 5000, Connection: 'close' }))
		s.end(image)
	},
	'/stall-headers': () => {
		// Never answers.
	},
	'/stall-body': s => {
		s.write(head('200 OK', { 'Content-Length': 5000 }))
		s.write(image.subarray(0, 10))
	},
	'/empty': s => {
		s.end(head('200 OK', { 'Content-Length': 0, Connection: 'close' }))
	},
}

beforeAll(async () => {
	server = createServer(socket => {
		sockets.add(socket)
		socket.on('close', () => sockets.delete(socket))
		socket.on('error', () => undefined)
		let received = ''
		socket.on('data', data => {
			received += data.toString('latin1')
			if (!received.includes('\r\n\r\n')) return
			const [requestLine = '', ...headerLines] = received.split('\r\n')
			const path = requestLine.split(' ')[1] ?? ''
			const host = headerLines.find(l => l.toLowerCase().startsWith('host:')) ?? ''
			seen.push(`${path} ${host}`)
			const route = routes[path]
			if (route) route(socket)
			else socket.end(head('404 Not Found', { 'Content-Length': 0, Connection: 'close' }))
		})
	})
	server.listen(0, '127.0.0.1')
	await new Promise(ok => server.once('listening', ok))
	port = (server.address() as AddressInfo).port
})
afterAll(async () => {
	for (const socket of sockets) socket.destroy()
	await new Promise(ok => server.close(ok))
})

const stub: FetchOutputOptions = {
	allowedHosts: DEFAULT_OUTPUT_HOSTS,
	allowInsecureHosts: ['127.0.0.1'],
	maxBytes: 100_000,
	timeoutMs: 2000,
}

async function refusal(url: string, options: FetchOutputOptions): Promise<FetchOutputError> {
	const error: unknown = await fetchOutput(url, options).then(
		() => null,
		(e: unknown) => e,
	)
	if (!(error instanceof FetchOutputError)) throw new Error(`expected a FetchOutputError, got ${String(error)}`)
	return error
}

describe('fetchOutput', () => {
	it('downloads from an allowed host and sniffs the type from the bytes', async () => {
		const out = await fetchOutput(`http://127.0.0.1:${port}/image.png`, stub)
		expect(out.contentType).toBe('image/png')
		expect(out.size).toBe(image.length)
		expect(Buffer.from(out.bytes)).toEqual(Buffer.from(image))

		const video = await fetchOutput(`http://127.0.0.1:${port}/video.mp4`, stub)
		expect(video).toMatchObject({ contentType: 'video/mp4', declaredType: 'text/html' })
	})

	it('refuses http: for hosts not explicitly allowed to be insecure', async () => {
		const error = await refusal(`http://127.0.0.1:${port}/image.png`, {
			...stub,
			allowedHosts: ['127.0.0.1'],
			allowInsecureHosts: [],
		})
		expect(error.code).toBe('insecure_protocol')
		expect(error.message).toBe(`Only https: output URLs are fetched (this one is http://127.0.0.1).`)
		expect((await refusal('ftp://replicate.delivery/x', stub)).code).toBe('insecure_protocol')
		expect((await refusal('file:///etc/passwd', stub)).code).toBe('insecure_protocol')
	})

	it('refuses a host that is not on the list, before any lookup', async () => {
		let lookups = 0
		const error = await refusal('https://evil.example.com/x.png', {
			...stub,
			resolve: async () => {
				lookups++
				return [{ address: '127.0.0.1', family: 4 }]
			},
		})
		expect(error.code).toBe('host_not_allowed')
		expect(error.message).toBe('Outputs are not fetched from evil.example.com: it is not an allowed host.')
		expect(lookups).toBe(0)
		expect((await refusal('https://replicate.delivery.evil.com/x', stub)).code).toBe('host_not_allowed')
		expect((await refusal('https://user:pw@replicate.delivery/x', stub)).code).toBe('invalid_url')
		expect((await refusal('not a url', stub)).code).toBe('invalid_url')
	})

	it('refuses the metadata address and private, loopback and mapped addresses, without connecting', async () => {
		const before = seen.length
		for (const host of [
			'169.254.169.254',
			'10.0.0.5',
			'127.0.0.1',
			'[::1]',
			'[::ffff:127.0.0.1]',
			'[::ffff:169.254.169.254]',
			'[fd00::1]',
			'0.0.0.0',
		]) {
			const error = await refusal(`https://${host}:${port}/image.png`, {
				...stub,
				allowedHosts: [host.replace(/^\[|\]$/g, ''), new URL(`https://${host}/`).hostname],
				allowInsecureHosts: [],
			})
			expect({ host, code: error.code }).toEqual({ host, code: 'blocked_address' })
		}
		expect(seen.length).toBe(before)
	})

	it('refuses a name that resolves to a private address, even when only one of its addresses is', async () => {
		const names: [string, string[]][] = [
			['files.replicate.delivery', ['10.1.2.3']],
			['pbxt.replicate.delivery', ['169.254.169.254']],
			['a.replicate.delivery', ['203.0.113.9']],
			['b.replicate.delivery', ['::1']],
			['c.replicate.delivery', ['::ffff:127.0.0.1']],
			['d.replicate.delivery', ['2606:4700::6810:84e5', '127.0.0.1']],
		]
		for (const [name, addresses] of names) {
			const error = await refusal(`https://${name}/out.png`, {
				...stub,
				resolve: async () => addresses.map(address => ({ address, family: address.includes(':') ? 6 : 4 })),
			})
			expect({ name, code: error.code }).toEqual({ name, code: 'blocked_address' })
			expect(error.message).toContain('a private or reserved address')
		}
		// localhost through the system resolver.
		const local = await refusal(`https://localhost:${port}/image.png`, { ...stub, allowedHosts: ['localhost'] })
		expect(local.code).toBe('blocked_address')
	})

	it('connects to the address it checked, not to a second lookup', async () => {
		let lookups = 0
		const out = await fetchOutput(`http://outputs.test:${port}/image.png`, {
			...stub,
			allowInsecureHosts: ['outputs.test'],
			resolve: async () => {
				lookups++
				return [{ address: '127.0.0.1', family: 4 }]
			},
		})
		expect(out.contentType).toBe('image/png')
		// outputs.test exists nowhere but in this resolver: the connection used the one answer we gave.
		expect(lookups).toBe(1)
		expect(seen.at(-1)).toBe(`/image.png Host: outputs.test:${port}`)
	})

	it('refuses redirects and does not follow them', async () => {
		const before = seen.length
		const error = await refusal(`http://127.0.0.1:${port}/redirect`, stub)
		expect(error).toMatchObject({ code: 'redirect', status: 302 })
		expect(error.message).toContain('redirects are not followed')
		expect(seen.slice(before).map(s => s.split(' ')[0])).toEqual(['/redirect'])
	})

	it('reports other HTTP errors with their status', async () => {
		expect(await refusal(`http://127.0.0.1:${port}/missing`, stub)).toMatchObject({ code: 'http_status', status: 404 })
		expect((await refusal(`http://127.0.0.1:${port}/empty`, stub)).code).toBe('empty')
	})

	it('enforces the size cap on the declared and on the counted length', async () => {
		const declared = await refusal(`http://127.0.0.1:${port}/declared-too-big`, stub)
		expect(declared.code).toBe('too_large')
		expect(declared.message).toBe('The output is 47.7 MB, more than the 98 KB allowed.')

		for (const path of ['/chunked-too-big', '/close-delimited-too-big']) {
			const error = await refusal(`http://127.0.0.1:${port}${path}`, stub)
			expect({ path, code: error.code, message: error.message }).toEqual({
				path,
				code: 'too_large',
				message: 'The output is larger than the 98 KB allowed.',
			})
		}
		// The same bodies pass with a cap that fits them: the cap is what stopped them.
		const fits = await fetchOutput(`http://127.0.0.1:${port}/chunked-too-big`, { ...stub, maxBytes: 400_000 })
		expect(fits.size).toBe(big.length)

		// A Content-Length that understates the body: the body ends where it said, the rest is never read.
		const lying = await fetchOutput(`http://127.0.0.1:${port}/lying-length`, stub)
		expect(lying.size).toBe(1000)
		expect(Buffer.from(lying.bytes)).toEqual(Buffer.concat([Buffer.from(image), big]).subarray(0, 1000))

		expect((await refusal(`http://127.0.0.1:${port}/short-body`, stub)).code).toBe('network')
	})

	it('times out when the server stalls, before or during the body', async () => {
		for (const path of ['/stall-headers', '/stall-body']) {
			const started = Date.now()
			const error = await refusal(`http://127.0.0.1:${port}${path}`, { ...stub, timeoutMs: 300 })
			expect({ path, code: error.code }).toEqual({ path, code: 'timeout' })
			expect(error.message).toBe('127.0.0.1 did not deliver the output within 300 ms.')
			expect(Date.now() - started).toBeLessThan(2000)
		}
		const slowDns = await refusal('https://slow.replicate.delivery/x.png', {
			...stub,
			timeoutMs: 200,
			resolve: () => new Promise(() => undefined),
		})
		expect(slowDns.code).toBe('timeout')
	})

	it('stops when the caller cancels', async () => {
		const controller = new AbortController()
		const before = seen.length
		const pending = refusal(`http://127.0.0.1:${port}/stall-headers`, { ...stub, signal: controller.signal })
		// Canceled while it waits for an answer: once the server has the request.
		await waitFor('the request to reach the server', () => seen.length > before)
		controller.abort()
		const error = await pending
		expect(error.code).toBe('aborted')
	})
})
