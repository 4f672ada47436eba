import { Writable } from 'node:stream'
import { afterEach, describe, expect, test, vi } from 'vitest'
import winston from 'winston'
import { configureLogger, flushRepeatedFailures, logger, recentErrorCounts, requestScope } from '#server/logger.ts'

function capture() {
	const lines: Array<Record<string, unknown>> = []
	configureLogger({ level: 'info', json: true })
	logger.clear()
	logger.add(
		new winston.transports.Stream({
			format: winston.format.json(),
			stream: new Writable({
				write(chunk: Buffer, _encoding, done) {
					for (const line of chunk.toString().split('\n').filter(Boolean))
						lines.push(JSON.parse(line) as Record<string, unknown>)
					done()
				},
			}),
		}),
	)
	return lines
}

afterEach(() => {
	vi.useRealTimers()
	flushRepeatedFailures()
	configureLogger({ level: 'error', json: false, silent: true })
})

describe('a failure that repeats is logged once, then counted', () => {
	test('1,000 identical failures give one line with the stack and one line with the count', () => {
		const lines = capture()
		for (let i = 0; i < 1000; i++) {
			logger.error('request failed', { error: new Error('Connection terminated unexpectedly'), path: `/chat/${i}` })
		}
		expect(lines).toHaveLength(1)
		expect(lines[0]).toMatchObject({ message: 'request failed', path: '/chat/0' })
		expect(JSON.stringify(lines[0])).toContain('at ')
		flushRepeatedFailures()
		expect(lines).toHaveLength(2)
		expect(lines[1]).toMatchObject({
			level: 'error',
			message: 'request failed (repeated)',
			error: 'Error: Connection terminated unexpectedly',
			repeated: 999,
		})
	})

	test('different errors, different messages and lines without an error are each written', () => {
		const lines = capture()
		logger.warn('job failed', { error: 'database unavailable' })
		logger.warn('job failed', { error: 'provider timed out' })
		logger.warn('request failed', { error: 'database unavailable' })
		logger.warn('readiness: unavailable')
		logger.warn('readiness: unavailable')
		expect(lines.map(l => `${String(l.message)}|${String(l.error)}`)).toEqual([
			'job failed|database unavailable',
			'job failed|provider timed out',
			'request failed|database unavailable',
			'readiness: unavailable|undefined',
			'readiness: unavailable|undefined',
		])
		flushRepeatedFailures()
		// nothing repeated, so nothing to count
		expect(lines).toHaveLength(5)
		// once counted, the next occurrence is written in full again
		logger.warn('job failed', { error: 'database unavailable' })
		expect(lines).toHaveLength(6)
	})
})

describe('error lines counted by route, for the status page', () => {
	test('counts every error line (repeats too) by the route of its request, bounded, and leaves out older ones', () => {
		capture()
		const start = new Date()
		for (let i = 0; i < 5; i++) {
			requestScope.run({ requestId: `r${i}`, route: 'POST /chat/:id' }, () =>
				logger.error('request failed', { error: new Error('same failure') }),
			)
		}
		requestScope.run({ requestId: 'x', route: 'GET /library' }, () => logger.error('library broke'))
		// A millisecond later, so the tie between the two single errors is decided by time, whatever the clock does.
		vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1 })
		logger.error('job failed', { route: 'routes/named-by-the-line' })
		vi.useRealTimers()
		logger.warn('only a warning')
		const counts = recentErrorCounts(start)
		// Most errors first; among equals, the most recent first.
		expect(counts.slice(0, 3)).toEqual([
			expect.objectContaining({ route: 'POST /chat/:id', count: 5, lastMessage: 'request failed' }),
			expect.objectContaining({ route: 'routes/named-by-the-line', count: 1, lastMessage: 'job failed' }),
			expect.objectContaining({ route: 'GET /library', count: 1, lastMessage: 'library broke' }),
		])
		expect(counts.reduce((sum, c) => sum + c.count, 0)).toBe(7)
		expect(recentErrorCounts(new Date(Date.now() + 60_000))).toEqual([])
		// The ring holds the last thousand lines, whatever is logged.
		for (let i = 0; i < 1500; i++) logger.error(`burst ${i}`)
		expect(recentErrorCounts(start).reduce((sum, c) => sum + c.count, 0)).toBe(1000)
	})
})
