/**
 * The page of work still pending shows it on the page itself: an indeterminate progress bar and the time so far,
 * and, for a browser without JavaScript, a refresh that brings the next state. The services run without their
 * worker, so the generation stays queued for as long as the test looks at it.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApp } from '#server/app.ts'
import { testDrivers } from '#tests/support/database.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import { listenLocal } from '#tests/support/listen.ts'
import { startTestServices, type TestServices } from '#tests/support/services.ts'

const require = createRequire(import.meta.url)
const build = require(path.resolve('build/remix/index.js')) as ServerBuild

describe.each(testDrivers())('the page of a pending generation on %s', driver => {
	let t: TestServices
	let server: Server
	let url: string
	beforeAll(async () => {
		t = await startTestServices(driver, {}, { workers: false })
		server = createServer(createApp({ services: t.services, build, publicDir: path.resolve('public') }))
		url = `http://127.0.0.1:${await listenLocal(server)}`
	}, 180_000)
	afterAll(async () => {
		await new Promise(resolve => server?.close(resolve))
		await t?.dispose()
	})

	test('shows progress and the time so far, and refreshes itself without JavaScript', async () => {
		const user = await signUp(url)
		const created = await fetch(`${url}/images`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, url, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: new URLSearchParams({ prompt: 'A lighthouse, waiting', size: '512x512', n: '1' }),
		})
		expect(created.status).toBe(303)
		const page = await fetch(new URL(created.headers.get('location') ?? '', url), { headers: as(user, url) })
		expect(page.status).toBe(200)
		const html = await page.text()
		expect(html).toContain('data-generation-status="queued"')
		expect(html).toMatch(/role="progressbar"/)
		expect(html).toMatch(/Waiting for a worker(<!-- -->)? · (<!-- -->)?<span data-elapsed=""[^>]*>\d+\ss<\/span>/)
		expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="\d+"\/?><\/noscript>/)
	})
})
