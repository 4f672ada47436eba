import { describe, expect, test } from 'vitest'
import { wholeBodyOf, wholeBodyResponse } from '#server/whole-body.ts'

describe('a response made from a whole page', () => {
	test('carries its bytes beside a body that still reads as usual', async () => {
		const bytes = new TextEncoder().encode('<!DOCTYPE html><p>Grüße</p>') as Uint8Array<ArrayBuffer>
		const response = wholeBodyResponse(bytes, { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8' } })
		expect(wholeBodyOf(response)).toBe(bytes)
		expect(response.status).toBe(404)
		expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
		expect(await response.text()).toBe('<!DOCTYPE html><p>Grüße</p>')
	})

	test('any other response has no such bytes, so it is read from its body', () => {
		expect(wholeBodyOf(new Response('<p>streamed</p>'))).toBeUndefined()
		expect(wholeBodyOf(new Response(null, { status: 204 }))).toBeUndefined()
	})

	test('the mark is a registered symbol, so a second copy of the module (the other bundle) reads it', () => {
		const response = wholeBodyResponse(new Uint8Array([1, 2, 3]), {})
		const seenByOtherCopy = (response as Response & Record<symbol, unknown>)[Symbol.for('generation-studio.whole-body')]
		expect(seenByOtherCopy).toEqual(new Uint8Array([1, 2, 3]))
	})
})
