import { createElement, Suspense } from 'react'
import { renderToPipeableStream } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { RenderStream } from '#app/utils/render-stream.server.ts'

async function chunksOf(stream: ReadableStream<Uint8Array>): Promise<string[]> {
	const decoder = new TextDecoder()
	const chunks: string[] = []
	const reader = stream.getReader()
	for (;;) {
		const { done, value } = await reader.read()
		if (done) return chunks
		chunks.push(decoder.decode(value))
	}
}

/** React 18's way of waiting in a render: throw the promise until it has settled. */
function suspender<T>(promise: Promise<T>): () => T {
	let settled: { value: T } | null = null
	void promise.then(value => (settled = { value }))
	return () => {
		if (!settled) throw promise
		return settled.value
	}
}

const rows = (n: number) =>
	createElement(
		'ul',
		null,
		Array.from({ length: n }, (_, i) => createElement('li', { key: i, className: 'row' }, `Item ${i} `.repeat(8))),
	)

describe('RenderStream', () => {
	it('hands a page rendered in one pass on as one chunk, however many pieces React wrote', async () => {
		const body = new RenderStream()
		let writes = 0
		const write = body.write.bind(body)
		body.write = (chunk: unknown) => {
			writes++
			return write(chunk)
		}
		const { pipe } = renderToPipeableStream(rows(400), { onAllReady: () => pipe(body) })
		const chunks = await chunksOf(body.readable)
		expect(writes).toBeGreaterThan(10)
		expect(chunks).toHaveLength(1)
		expect(chunks[0]).toContain('Item 399')
		expect(chunks[0]?.match(/<li/g)).toHaveLength(400)
	})

	it('streams: the shell goes out first, deferred content later in its own chunk', async () => {
		let resolve: (value: string) => void = () => undefined
		const read = suspender(new Promise<string>(r => (resolve = r)))
		function Deferred() {
			return createElement('p', null, read())
		}
		const body = new RenderStream()
		const { pipe } = renderToPipeableStream(
			createElement('main', null, rows(50), createElement(Suspense, { fallback: 'Loading' }, createElement(Deferred))),
			{ onShellReady: () => pipe(body) },
		)
		const reader = body.readable.getReader()
		const decoder = new TextDecoder()
		const first = decoder.decode((await reader.read()).value)
		expect(first).toContain('Item 49')
		expect(first).toContain('Loading')
		expect(first).not.toContain('arrived')
		resolve('arrived')
		let rest = ''
		for (;;) {
			const { done, value } = await reader.read()
			if (done) break
			rest += decoder.decode(value)
		}
		expect(rest).toContain('arrived')
	})

	it('stops the render when the client goes away', async () => {
		const read = suspender(new Promise<string>(() => undefined))
		function Never() {
			return createElement('p', null, read())
		}
		const errors: unknown[] = []
		const body = new RenderStream()
		const { pipe } = renderToPipeableStream(
			createElement('main', null, createElement(Suspense, { fallback: 'Loading' }, createElement(Never))),
			{ onShellReady: () => pipe(body), onError: error => void errors.push(error) },
		)
		const reader = body.readable.getReader()
		await reader.read()
		await reader.cancel()
		await expect.poll(() => errors.length).toBeGreaterThan(0)
		expect(String(errors[0])).toMatch(/closed early/)
	})
})
