import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { globalRateLimit } from '#server/limits/express.ts'
import { createLimits, type Limits } from '#server/limits/index.ts'

let server: Server | null = null
let limits: Limits | null = null

afterEach(async () => {
	await new Promise<void>(resolve => (server ? server.close(() => resolve()) : resolve()))
	await limits?.close()
	server = null
	limits = null
})

async function start(overrides: Parameters<typeof createLimits>[0]['overrides']): Promise<string> {
	limits = await createLimits({ redisUrl: null, overrides })
	const app = express()
	app.use((_req, res, next) => {
		res.setHeader('x-request-id', 'req-global')
		next()
	})
	app.use(globalRateLimit(limits))
	app.get('/api/ping', (_req, res) => res.json({ ok: true }))
	app.get('/page', (_req, res) => res.type('html').send('<p>page</p>'))
	server = app.listen(0, '127.0.0.1')
	await new Promise(resolve => server?.once('listening', resolve))
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('the global per-address limit', () => {
	it('lets requests through up to the limit, then answers 429 with Retry-After', async () => {
		const base = await start({ global: { points: 3, durationSeconds: 60 } })
		for (let i = 0; i < 3; i++) expect((await fetch(`${base}/api/ping`)).status).toBe(200)

		const api = await fetch(`${base}/api/ping`)
		expect(api.status).toBe(429)
		expect(Number(api.headers.get('retry-after'))).toBeGreaterThan(0)
		expect(api.headers.get('ratelimit-limit')).toBe('3')
		expect(api.headers.get('ratelimit-remaining')).toBe('0')
		expect(api.headers.get('ratelimit-policy')).toBe('3;w=60')
		expect(await api.json()).toEqual({
			error: {
				code: 'rate_limited',
				message: expect.stringMatching(/^Too many requests\. Please try again in /),
				requestId: 'req-global',
			},
		})

		const page = await fetch(`${base}/page`, { headers: { accept: 'text/html' } })
		expect(page.status).toBe(429)
		expect(page.headers.get('content-type')).toMatch(/^text\/plain/)
		expect(await page.text()).toMatch(/^Too many requests\. Please try again in /)
	})
})
