/**
 * GET / of the built server against a bare baseline in the same run: Express + React renderToString of a
 * page of the same size, no middleware. Budget: ours reaches at least 60% of the baseline's throughput.
 */
import { execFile } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import express from 'express'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { startServer } from '#tests/support/server.ts'

const run = promisify(execFile)
const AUTOCANNON = path.resolve('node_modules/autocannon/autocannon.js')

type Figures = { requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number }

async function load(url: string, seconds: number, headers: string[] = []): Promise<Figures> {
	const headerArgs = headers.flatMap(h => ['-H', h])
	const { stdout } = await run(
		process.execPath,
		[AUTOCANNON, '-c', '10', '-d', String(seconds), '-j', ...headerArgs, url],
		{
			maxBuffer: 10 * 1024 * 1024,
		},
	)
	const result = JSON.parse(stdout) as {
		requests: { average: number }
		latency: { p50: number; p99: number }
		errors: number
		non2xx: number
	}
	return {
		requestsPerSecond: result.requests.average,
		p50: result.latency.p50,
		p99: result.latency.p99,
		errors: result.errors,
		non2xx: result.non2xx,
	}
}

/** A bare Express app whose page, rendered by React on every request, is as large as ours. */
async function startBaseline(targetBytes: number) {
	const paragraph = 'Generation Studio baseline paragraph with a little text in it. '
	const page = (count: number) =>
		createElement(
			'html',
			null,
			createElement('head', null, createElement('title', null, 'Baseline')),
			createElement(
				'body',
				null,
				Array.from({ length: count }, (_, i) => createElement('p', { key: i, className: 'text-zinc-300' }, paragraph)),
			),
		)
	let count = 1
	while (`<!DOCTYPE html>${renderToString(page(count))}`.length < targetBytes) count++
	const app = express()
	app.get('/', (_req, res) => {
		res.type('html').send(`<!DOCTYPE html>${renderToString(page(count))}`)
	})
	const server = http.createServer(app)
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }
}

function row(name: string, f: Figures) {
	return `${name.padEnd(10)} ${f.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors + f.non2xx}`
}

export async function runHttpBench(seconds = Number(process.env.BENCH_SECONDS ?? 10)) {
	const ours = await startServer({
		NODE_ENV: 'production',
		SESSION_SECRET: 'bench-secret-'.padEnd(40, 'x'),
		PUBLIC_URL: 'http://127.0.0.1',
		LOG_LEVEL: 'info',
		// Only through configuration: the global per-IP limit would otherwise refuse the load.
		RATE_LIMITS: 'global=100000000/60',
	})
	const html = await (await fetch(`${ours.url}/`)).text()
	const baseline = await startBaseline(html.length)
	try {
		// Warm both up, then measure one after the other so they do not share the two cores.
		await load(`${ours.url}/`, 2)
		await load(baseline.url, 2)
		const ourFigures = await load(`${ours.url}/`, seconds)
		// With a cookie the page cache steps aside: every request renders through Remix and React.
		const rendered = await load(`${ours.url}/`, seconds, ['Cookie=bench=1'])
		const baseFigures = await load(baseline.url, seconds)
		const ratio = ourFigures.requestsPerSecond / baseFigures.requestsPerSecond
		const renderedRatio = rendered.requestsPerSecond / baseFigures.requestsPerSecond
		process.stdout.write(
			[
				`GET / (${html.length} bytes), ${seconds}s each, 10 connections`,
				row('ours', ourFigures),
				row('rendered', rendered),
				row('baseline', baseFigures),
				`ratio      ${(ratio * 100).toFixed(1)}% of baseline throughput (budget: at least 60%) ${ratio >= 0.6 ? 'PASS' : 'FAIL'}`,
				`           rendered on every request: ${(renderedRatio * 100).toFixed(1)}% of baseline (for information)`,
				'',
			].join('\n'),
		)
		return { ours: ourFigures, rendered, baseline: baseFigures, ratio }
	} finally {
		await ours.stop()
		await new Promise<void>(resolve => baseline.server.close(() => resolve()))
	}
}
