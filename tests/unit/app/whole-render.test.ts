import type { EntryContext } from '@remix-run/node'
import { describe, expect, it } from 'vitest'
import { hasPendingData, prefillHandoff, renderedWhole } from '#app/utils/whole-render.server.ts'

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(controller) {
			for (const chunk of chunks) controller.enqueue(chunk)
			controller.close()
		},
	})
}

/** The parts of Remix's entry context these helpers read. */
function contextWith(loaderData: Record<string, unknown>, stream: ReadableStream<Uint8Array> | null = streamOf([])) {
	return {
		isSpaMode: false,
		serverHandoffStream: stream ?? undefined,
		renderMeta: {},
		staticHandlerContext: { loaderData },
	} as unknown as EntryContext
}

describe('hasPendingData', () => {
	it('is false when every loader returned what it has', () => {
		expect(hasPendingData(contextWith({ root: { user: null }, 'routes/a': { items: [1, 2] }, 'routes/b': null }))).toBe(
			false,
		)
	})
	it('is true when a loader returned a promise among its values, or as its data', () => {
		const later = new Promise(() => {})
		expect(hasPendingData(contextWith({ root: {}, 'routes/g': { generation: {}, next: later } }))).toBe(true)
		expect(hasPendingData(contextWith({ 'routes/g': later }))).toBe(true)
	})
	it('is true without a stream of loader data to hand over', () => {
		expect(hasPendingData(contextWith({ root: {} }, null))).toBe(true)
	})
})

describe('prefillHandoff', () => {
	it('reads the loader data to its end into one finished chunk, characters split across chunks included', async () => {
		const bytes = new TextEncoder().encode('["héllo","wörld"]')
		const split = bytes.indexOf(0xc3) + 1 // inside the two bytes of "é"
		const context = contextWith({}, streamOf([bytes.slice(0, split), bytes.slice(split)]))
		await prefillHandoff(context)
		const entry = context.renderMeta?.streamCache?.[0]
		expect(entry?.result).toEqual({ done: true, value: '["héllo","wörld"]' })
		await expect(entry).resolves.toBeUndefined()
		// Left unlocked, so Remix can take its own reader.
		expect(context.serverHandoffStream?.locked).toBe(false)
	})
})

describe('renderedWhole', () => {
	it('adds the doctype to a whole document', () => {
		const bytes = renderedWhole('<html><body>x</body></html>')
		expect(new TextDecoder().decode(bytes ?? new Uint8Array())).toBe('<!DOCTYPE html><html><body>x</body></html>')
	})
	it('encodes the page as UTF-8, a lone surrogate as U+FFFD', () => {
		const bytes = renderedWhole('<p>café · \uD800</p>') ?? new Uint8Array()
		expect(new TextDecoder().decode(bytes)).toBe('<!DOCTYPE html><p>café · \uFFFD</p>')
		expect(
			Buffer.from(bytes).equals(Buffer.from(new TextEncoder().encode('<!DOCTYPE html><p>café · \uD800</p>'))),
		).toBe(true)
	})
	it('refuses a document with a part left for the browser to render', () => {
		expect(renderedWhole('<html><body><!--$!--><template></template><!--/$--></body></html>')).toBeNull()
	})
})
