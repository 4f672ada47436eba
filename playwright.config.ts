import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './tests/support/chromium.ts'

const port = Number(process.env.E2E_PORT ?? 3210)

// Debian's Chromium, never a downloaded browser. Every test runs twice: with JavaScript and without.
const launchOptions = chromiumLaunchOptions

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	forbidOnly: Boolean(process.env.CI),
	reporter: process.env.CI ? [['list']] : [['list']],
	timeout: 30_000,
	use: {
		baseURL: `http://localhost:${port}`,
		launchOptions,
		trace: 'off',
	},
	projects: [
		{ name: 'js', use: { javaScriptEnabled: true } },
		// Tests of what only JavaScript adds (streaming, live updates) are tagged @js-only.
		{ name: 'nojs', use: { javaScriptEnabled: false }, grepInvert: /@js-only/ },
	],
	webServer: {
		// The built product on a throw-away data directory, as a self-hoster would start it.
		command: `node scripts/ensure-build.mjs && node tests/e2e/start-server.mjs`,
		url: `http://localhost:${port}/healthz`,
		reuseExistingServer: false,
		timeout: 180_000,
		env: { PORT: String(port), E2E_PORT: String(port) },
		stdout: 'ignore',
		stderr: 'pipe',
	},
})
