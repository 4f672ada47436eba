import { afterEach, vi } from 'vitest'
import { configureLogger } from '#server/logger.ts'

// Tests keep the logger quiet unless asked (TEST_LOG=debug), and an unexpected console.error fails the test.
configureLogger({ level: process.env.TEST_LOG ?? 'error', json: false, silent: !process.env.TEST_LOG })

const consoleError = vi.spyOn(console, 'error')
afterEach(() => {
	const calls = consoleError.mock.calls
	consoleError.mockClear()
	if (calls.length > 0) {
		throw new Error(`console.error was called:\n${calls.map(c => c.map(String).join(' ')).join('\n')}`)
	}
})
