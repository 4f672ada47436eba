/**
 * Without SESSION_SECRET (development and tests; production refuses to start without one), the secret that
 * signs session cookies and media URLs is made at random on the first start and kept in DATA_DIR, readable by
 * this user only. A fixed secret in the source would let anyone who reads it forge both; a fresh one per start
 * would sign everyone out and break every link on each restart.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '#server/config.ts'
import { logger } from '#server/logger.ts'

export const SESSION_SECRET_FILE = 'session-secret'

const SECRET_SHAPE = /^[0-9a-f]{64}$/

function readSecret(file: string): string | null {
	try {
		const value = readFileSync(file, 'utf8').trim()
		return SECRET_SHAPE.test(value) ? value : null
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
		throw error
	}
}

/** The config with its session secrets: the configured ones, or the one kept in DATA_DIR (made if missing). */
export function withSessionSecrets(config: Config): Config {
	if (config.sessionSecrets.length > 0) return config
	const file = path.join(config.dataDir, SESSION_SECRET_FILE)
	let secret = readSecret(file)
	if (!secret) {
		mkdirSync(config.dataDir, { recursive: true })
		const made = randomBytes(32).toString('hex')
		try {
			// `wx`: of two processes starting together on one DATA_DIR, the second keeps the first one's secret.
			writeFileSync(file, `${made}\n`, { flag: 'wx', mode: 0o600 })
			secret = made
			logger.info('SESSION_SECRET is not set: made a random one and kept it in DATA_DIR', { file })
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
			secret = readSecret(file)
			if (!secret) throw new Error(`${file} is not a session secret (64 hex characters); remove it to make a new one`)
		}
	}
	return { ...config, sessionSecrets: [secret] }
}
