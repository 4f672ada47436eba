import { describe, expect, test } from 'vitest'
import { splitSpeech } from '#server/domain/generations/audio.ts'

describe('splitSpeech', () => {
	test('short text is one part, whitespace tidied', () => {
		expect(splitSpeech('  Hello   there.\nHow are you?  ', 100)).toEqual(['Hello there. How are you?'])
	})

	test('sentences are packed into parts under the limit, cut only at sentence ends', () => {
		const text = 'One two three. Four five six! Seven eight nine? Ten eleven twelve.'
		const parts = splitSpeech(text, 32)
		expect(parts).toEqual(['One two three. Four five six!', 'Seven eight nine?', 'Ten eleven twelve.'])
		expect(parts.join(' ')).toBe(text)
	})

	test('a sentence longer than the limit is cut at its last space, a word longer than it at the limit', () => {
		const parts = splitSpeech('aaaa bbbb cccc dddd eeee. ffffffffffff', 10)
		expect(parts).toEqual(['aaaa bbbb', 'cccc dddd', 'eeee.', 'ffffffffff', 'ff'])
	})

	test('closing quotes stay with their sentence', () => {
		expect(splitSpeech('He said “stop.” Then he left.', 18)).toEqual(['He said “stop.”', 'Then he left.'])
	})
})
