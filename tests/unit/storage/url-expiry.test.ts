import { describe, expect, test } from 'vitest'
import { URL_WINDOW_SECONDS, windowedExpiry } from '#server/storage/url-expiry.ts'

describe('windowedExpiry', () => {
	const boundary = 1_800_000 * URL_WINDOW_SECONDS

	test('ends on a window boundary at least the time asked for away', () => {
		const now = (boundary + 100) * 1000
		const seconds = windowedExpiry(3600, now)
		expect(seconds).toBeGreaterThanOrEqual(3600)
		expect(seconds).toBeLessThan(3600 + URL_WINDOW_SECONDS)
		expect((boundary + 100 + seconds) % URL_WINDOW_SECONDS).toBe(0)
	})

	test('two renders within one window name the same expiry', () => {
		const first = boundary + 10
		const later = boundary + 1000
		expect(first + windowedExpiry(3600, first * 1000)).toBe(later + windowedExpiry(3600, later * 1000))
	})

	test('on a boundary, exactly the time asked for', () => {
		expect(windowedExpiry(3600, boundary * 1000)).toBe(3600)
	})
})
