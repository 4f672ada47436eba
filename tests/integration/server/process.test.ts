import { describe, expect, test } from 'vitest'
import { spawnServer } from '#tests/support/server.ts'

describe('the server process', () => {
	test('NODE_ENV=production without SESSION_SECRET exits non-zero, naming the variable', async () => {
		const { exited, output } = spawnServer({ NODE_ENV: 'production', PUBLIC_URL: 'https://studio.example' })
		expect(await exited).not.toBe(0)
		expect(output()).toContain('SESSION_SECRET is required in production')
		expect(output()).not.toContain('listening')
	})

	test('a bad value stops start-up with every problem listed', async () => {
		const { exited, output } = spawnServer({ PORT: '-1', LOG_LEVEL: 'chatty' })
		expect(await exited).toBe(1)
		expect(output()).toContain('PORT must be at least 0')
		expect(output()).toContain('LOG_LEVEL must be one of')
	})
})
