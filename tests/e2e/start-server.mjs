// Starts the built server for the browser tests on a fresh data directory, removed when it exits.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-e2e-'))
const child = spawn(
	process.execPath,
	['--enable-source-maps', '--import', './build/telemetry.js', './build/server.js'],
	{
		stdio: 'inherit',
		// The browser tests run the product as a self-hoster starts it: embedded database, limits in memory.
		// Every test signs up its own users from one address, so the sign-up limit is raised — through configuration only.
		env: {
			...process.env,
			DATABASE_URL: '',
			REDIS_URL: '',
			RATE_LIMITS: process.env.RATE_LIMITS ?? 'signup=500/3600,signup_attempt=1000/3600,signin_ip=1000/900',
			DATA_DIR: dataDir,
			HOST: '127.0.0.1',
			NODE_ENV: 'test',
			LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
		},
	},
)
const stop = signal => child.kill(signal)
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
child.on('exit', code => {
	rmSync(dataDir, { recursive: true, force: true })
	process.exit(code ?? 0)
})
