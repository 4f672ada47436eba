/**
 * The checks a process makes before it opens any connection: the whole configuration (every variable, the
 * production rules, `--role`, the rate-limit names) and the data directory, with every problem listed at once.
 * Then, on Postgres, patience: a database that is not up yet (a container starting beside us) is tried again with
 * backoff for DATABASE_START_TIMEOUT_SECONDS, one log line per try, before start-up gives up with a sentence.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, inspectConfig } from './config.ts'
import type { Config } from './config.ts'
import { errorMessage } from './db/index.ts'
import type { Db } from './db/index.ts'
import { resolvePolicies } from './limits/policies.ts'
import { logger } from './logger.ts'
import { sleep } from './sleep.ts'

/** What stops start-up with a sentence for the operator and no stack trace. */
export class StartupError extends Error {
	constructor(message: string) {
		super(message)
		this.name = 'StartupError'
	}
}

/** The data directory must be writable when the embedded database or local media storage lives in it. */
export function dataDirProblems(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'supabase'>): string[] {
	if (config.databaseUrl && config.supabase) return []
	const dir = path.resolve(config.dataDir)
	const uses = [config.databaseUrl ? null : 'the embedded database', config.supabase ? null : 'media files']
		.filter(Boolean)
		.join(' and ')
	try {
		fs.mkdirSync(dir, { recursive: true })
		const probe = path.join(dir, `.write-test-${process.pid}`)
		fs.writeFileSync(probe, '')
		fs.rmSync(probe)
		return []
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? errorMessage(error)
		const reason =
			code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
				? 'is not writable by this process'
				: code === 'ENOTDIR' || code === 'EEXIST'
					? 'is not a directory'
					: `cannot be used (${code})`
		return [
			`DATA_DIR ${JSON.stringify(config.dataDir)} (${dir}) ${reason}: it holds ${uses}; give the user running the server write access to it, or set DATA_DIR to a directory it can write`,
		]
	}
}

/** Every configuration problem at once, before any connection or migration; throws ConfigError listing them. */
export function checkStartup(
	source: Record<string, string | undefined> = process.env,
	argv: readonly string[] = process.argv.slice(2),
): Config {
	const { config, problems } = inspectConfig(source, argv)
	try {
		resolvePolicies(config.rateLimitOverrides)
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error
		problems.push(...error.problems)
	}
	problems.push(...dataDirProblems(config))
	if (problems.length > 0) throw new ConfigError(problems)
	return config
}

/** host:port/database of a connection string, without credentials, for messages. */
export function describeDatabaseUrl(url: string): string {
	try {
		const parsed = new URL(url)
		return `${parsed.host}${parsed.pathname}`
	} catch {
		return 'DATABASE_URL'
	}
}

export type WaitOptions = {
	timeoutMs: number
	/** For messages: where the database is. */
	where: string
	/** First pause between tries; doubles up to maxDelayMs. */
	initialDelayMs?: number
	maxDelayMs?: number
}

/**
 * Resolves once the database answers; logs each failed try on one line; after `timeoutMs` throws a StartupError
 * that says what to check.
 */
export async function waitForDatabase(db: Pick<Db, 'health'>, options: WaitOptions): Promise<void> {
	const started = Date.now()
	let delay = options.initialDelayMs ?? 500
	for (let attempt = 1; ; attempt++) {
		const health = await db.health()
		if (health.ok) {
			if (attempt > 1) logger.info('database reachable', { where: options.where, attempt })
			return
		}
		const elapsed = Date.now() - started
		const left = options.timeoutMs - elapsed
		if (left <= 0) {
			throw new StartupError(
				`The database at ${options.where} could not be reached in ${Math.round(options.timeoutMs / 1000)} s ` +
					`(${attempt} tries; last: ${health.detail ?? 'no answer'}). Check that it is running and that DATABASE_URL ` +
					'is right; DATABASE_START_TIMEOUT_SECONDS sets how long to wait.',
			)
		}
		const pause = Math.min(delay, left)
		// One line per try, no stack: the cause is the database's absence, not a bug.
		logger.warn(
			`database not reachable at ${options.where} (try ${attempt}: ${health.detail ?? 'no answer'}); ` +
				`trying again in ${(pause / 1000).toFixed(1)} s`,
		)
		await sleep(pause)
		delay = Math.min(delay * 2, options.maxDelayMs ?? 5_000)
	}
}
