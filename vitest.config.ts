import { defineConfig } from 'vitest/config'

// `npm test`: everything that needs no browser. Integration tests use the machine's PostgreSQL and Redis
// when DATABASE_URL / REDIS_URL are set (CI sets both) and always also run on PGlite / memory.
export default defineConfig({
	test: {
		include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'server/**/*.test.ts', 'app/**/*.test.ts'],
		setupFiles: ['tests/support/setup.ts'],
		globalSetup: ['tests/support/global-setup.ts'],
		pool: 'forks',
		testTimeout: 30_000,
		hookTimeout: 60_000,
		reporters: process.env.CI ? ['default'] : ['default'],
	},
})
