/**
 * A page's body goes out in as few writes as it was produced in: pieces that arrive in one turn of the event loop
 * are joined into one write (and one compression flush), a piece that arrives later is written and flushed on its
 * own, so a streamed page still sends each part when it is ready; nothing is lost, reordered or left unwritten.
 */
import type { Response as ExpressResponse } from 'express'
import { describe, expect, it } from 'vitest'
import { writeCoalesced } from '#server/remix-express.ts'
import { waitFor } from '#tests/support/wait.ts'

type Event = { write: string } | { flush: true } | { end: string | null } | { destroy: string }

function recordingResponse() {
	const events: Event[] = []
	const text = (chunk: unknown) => Buffer.from(chunk as Uint8Array).toString()
	const res = {
		write(chunk: unknown) {
			events.push({ write: text(chunk) })
			return true
		},
		flush() {
			events.push({ flush: true })
		},
		end(chunk?: unknown) {
			events.push({ end: chunk === undefined ? null : text(chunk) })
			return res
		},
		destroy(error?: Error) {
			events.push({ destroy: error?.message ?? '' })
			return res
		},
	}
	return { res: res as unknown as ExpressResponse & { flush(): void }, events }
}

const bytes = (s: string) => new TextEncoder().encode(s)

/** A body whose pieces are pushed by the test, as React hands a render over. */
function controlledBody() {
	let controller!: ReadableStreamDefaultController<Uint8Array>
	const body = new ReadableStream<Uint8Array>({
		start(c) {
			controller = c
		},
	})
	return { body, controller }
}

describe('writeCoalesced', () => {
	it('joins the pieces of one turn into one write, ended with the response', async () => {
		const { res, events } = recordingResponse()
		const { body, controller } = controlledBody()
		for (const piece of ['<html>', '<body>', '<p>hi</p>', '</body></html>']) controller.enqueue(bytes(piece))
		controller.close()
		await writeCoalesced(body, res)
		expect(events).toEqual([{ end: '<html><body><p>hi</p></body></html>' }])
	})

	it('writes and flushes what is ready before waiting for a later piece, which goes out on its own', async () => {
		const { res, events } = recordingResponse()
		const { body, controller } = controlledBody()
		controller.enqueue(bytes('<shell>'))
		controller.enqueue(bytes('<nav>'))
		const writing = writeCoalesced(body, res)
		await waitFor('the shell to be written', () => events.length >= 2)
		expect(events).toEqual([{ write: '<shell><nav>' }, { flush: true }])
		controller.enqueue(bytes('<deferred data>'))
		await waitFor('the deferred piece to be written', () => events.length >= 4)
		expect(events.slice(2)).toEqual([{ write: '<deferred data>' }, { flush: true }])
		controller.close()
		await writing
		expect(events.slice(4)).toEqual([{ end: null }])
	})

	it('ends an empty body without writing', async () => {
		const { res, events } = recordingResponse()
		const { body, controller } = controlledBody()
		controller.close()
		await writeCoalesced(body, res)
		expect(events).toEqual([{ end: null }])
	})

	it('destroys the response when the body fails, and rethrows', async () => {
		const { res, events } = recordingResponse()
		const { body, controller } = controlledBody()
		controller.enqueue(bytes('<partial>'))
		controller.error(new Error('render failed'))
		await expect(writeCoalesced(body, res)).rejects.toThrow('render failed')
		expect(events.at(-1)).toEqual({ destroy: 'render failed' })
		expect(events.some(e => 'end' in e)).toBe(false)
	})
})
