import { describe, expect, it } from 'vitest'
import { safeRedirect } from '#app/schemas/auth.ts'

describe('safeRedirect', () => {
	it.each([
		['/settings', '/settings'],
		['/settings/tokens?tab=1#new', '/settings/tokens?tab=1#new'],
		['/chat/../settings', '/settings'],
		['  /library  ', '/library'],
	])('keeps the path %j', (input, expected) => {
		expect(safeRedirect(input)).toBe(expected)
	})

	it.each([
		'//evil.example',
		'//evil.example/path',
		'/\\evil.example',
		'\\\\evil.example',
		'/\\/evil.example',
		'https://evil.example/',
		'http:evil.example',
		['javascript', 'alert(1)'].join(':'),
		'evil.example',
		'/\t/evil.example',
		'/\n/evil.example',
		'/%0d%0a',
		'',
		// Dot segments that normalise into `//host`.
		'/.//evil.example/x',
		'/..//evil.example/x',
		'/%2e//evil.example/x',
		'/%2E%2E//evil.example/x',
		'/a/..//evil.example/x',
		'/./%2e/%2e//evil.example/x',
	])('refuses %j', input => {
		const target = safeRedirect(input)
		// Either the fallback, or a path that stays on this origin.
		expect(new URL(target, 'https://studio.example').origin).toBe('https://studio.example')
		expect(target.startsWith('//')).toBe(false)
		expect(target).not.toMatch(/[\\\r\n\t]/)
	})

	it('answers the fallback, not a normalised `//host`, for dot segments', () => {
		expect(safeRedirect('/.//evil.example/x')).toBe('/')
		expect(safeRedirect('/%2e//evil.example/x', '/chat')).toBe('/chat')
	})

	it('falls back for what is not a string', () => {
		expect(safeRedirect(null)).toBe('/')
		expect(safeRedirect(undefined, '/settings')).toBe('/settings')
		expect(safeRedirect(['/a'])).toBe('/')
	})
})
