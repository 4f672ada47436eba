/**
 * Test databases for every suite that touches SQL. `testDrivers()` lists the drivers a suite must run
 * on: PGlite always, Postgres too when DATABASE_URL is set (then a down server fails the test instead
 * of skipping it). `createTestDb(driver)` gives a fresh, migrated, isolated database:
 *   - postgres: a new database `gs_test_<random>` on DATABASE_URL's server, dropped on dispose;
 *   - pglite: a temporary data directory, loaded from a migrated template made once per test file.
 *
 *   describe.each(testDrivers())('%s', driver => {
 *     let t: TestDb
 *     beforeAll(async () => { t = await createTestDb(driver) })
 *     afterAll(() => t.dispose())
 *   })
 */
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { withSessionSecrets } from '#server/auth/dev-secret.ts'
import { type Config, loadConfig } from '#server/config.ts'
import {
	createPgliteDb,
	createPostgresDb,
	type Db,
	migrate,
	pgliteDataDir,
	pgliteHandle,
	runScript,
} from '#server/db/index.ts'
import { waitFor } from './wait.ts'

export type TestDriver = 'pglite' | 'postgres'

export function testDrivers(): TestDriver[] {
	return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
}

export type TestDb = {
	driver: TestDriver
	db: Db
	/** A config pointing at this database (DATABASE_URL or DATA_DIR), for code that takes a Config. */
	config: Config
	/** Postgres only: the connection string of this test database. */
	connectionString: string | null
	dispose(): Promise<void>
}

export type CreateTestDbOptions = {
	/** Apply every migration (default true). */
	migrate?: boolean
	/** SQL to run (privileged) before migrating, e.g. the Supabase-like preamble. */
	preamble?: string
}

function adminUrl(): string {
	const url = process.env.DATABASE_URL
	if (!url) throw new Error('DATABASE_URL is not set')
	return url
}

function withDatabase(url: string, database: string): string {
	const parsed = new URL(url)
	parsed.pathname = `/${database}`
	return parsed.toString()
}

/** Creates an empty database on DATABASE_URL's server; returns its URL and a function that drops it. */
export async function createScratchPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `gs_test_${randomBytes(6).toString('hex')}`
	const admin = new pg.Client({ connectionString: adminUrl() })
	await admin.connect()
	try {
		await admin.query(`create database ${name}`)
	} finally {
		await admin.end()
	}
	return {
		url: withDatabase(adminUrl(), name),
		async drop() {
			const client = new pg.Client({ connectionString: adminUrl() })
			await client.connect()
			try {
				await client.query(`drop database if exists ${name} with (force)`)
			} finally {
				await client.end()
			}
		},
	}
}

let template: Promise<Blob> | null = null

/** A migrated PGlite data directory, archived once per test file and loaded by every test database. */
function migratedTemplate(): Promise<Blob> {
	template ??= (async () => {
		const db = await createPgliteDb({ dataDir: 'memory://' })
		try {
			await migrate(db)
			return await pgliteHandle(db).dumpDataDir('none')
		} finally {
			await db.close()
		}
	})()
	return template
}

export function makeTempDir(prefix = 'gs-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export async function createTestDb(driver: TestDriver, options: CreateTestDbOptions = {}): Promise<TestDb> {
	const shouldMigrate = options.migrate ?? true
	const dataDir = makeTempDir()
	if (driver === 'postgres') {
		const scratch = await createScratchPostgresDatabase()
		const db = createPostgresDb({ connectionString: scratch.url, max: 4 })
		try {
			if (options.preamble) await runPreamble(db, options.preamble)
			if (shouldMigrate) await migrate(db)
		} catch (error) {
			await db.close()
			await scratch.drop()
			throw error
		}
		return {
			driver,
			db,
			// The secret the services would make in DATA_DIR, for tests that build parts of them by hand.
			config: withSessionSecrets(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: scratch.url }, [])),
			connectionString: scratch.url,
			async dispose() {
				await db.close()
				await scratch.drop()
				fs.rmSync(dataDir, { recursive: true, force: true })
			},
		}
	}
	const config = withSessionSecrets(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }, []))
	const fromTemplate = shouldMigrate && !options.preamble
	const db = await createPgliteDb({
		dataDir: pgliteDataDir(config),
		...(fromTemplate ? { loadDataDir: await migratedTemplate() } : {}),
	})
	if (!fromTemplate) {
		if (options.preamble) await runPreamble(db, options.preamble)
		if (shouldMigrate) await migrate(db)
	}
	return {
		driver,
		db,
		config,
		connectionString: null,
		async dispose() {
			await db.close()
			fs.rmSync(dataDir, { recursive: true, force: true })
		},
	}
}

async function runPreamble(db: Db, sql: string) {
	await db.privileged(tx => runScript(tx, sql))
}

export type TestUser = { id: string; email: string; name: string; role: 'user' | 'admin' }

export async function createUser(
	db: Db,
	overrides: Partial<{
		email: string
		name: string
		role: 'user' | 'admin'
		passwordHash: string | null
		monthlyBudgetUsd: number | null
	}> = {},
): Promise<TestUser> {
	const suffix = randomUUID().slice(0, 8)
	const { rows } = await db.privileged(tx =>
		tx.query<TestUser>(
			`insert into users (email, name, role, password_hash, monthly_budget_usd)
			values ($1, $2, $3, $4, $5) returning id, email, name, role`,
			[
				overrides.email ?? `user-${suffix}@example.test`,
				overrides.name ?? `User ${suffix}`,
				overrides.role ?? 'user',
				overrides.passwordHash ?? null,
				overrides.monthlyBudgetUsd ?? null,
			],
		),
	)
	const user = rows[0]
	if (!user) throw new Error('createUser inserted nothing')
	return user
}

export async function createConversation(
	db: Db,
	userId: string,
	overrides: Partial<{ title: string; model: string; pinned: boolean }> = {},
): Promise<{ id: string; title: string }> {
	const { rows } = await db.privileged(tx =>
		tx.query<{ id: string; title: string }>(
			'insert into conversations (user_id, title, model, pinned) values ($1, $2, $3, $4) returning id, title',
			[userId, overrides.title ?? 'Test chat', overrides.model ?? 'offline:chat', overrides.pinned ?? false],
		),
	)
	return rows[0] ?? Promise.reject(new Error('createConversation inserted nothing'))
}

export async function createMessage(
	db: Db,
	userId: string,
	conversationId: string,
	overrides: Partial<{ role: 'user' | 'assistant' | 'system'; content: string; parentId: string | null }> = {},
): Promise<{ id: string }> {
	const { rows } = await db.privileged(tx =>
		tx.query<{ id: string }>(
			`insert into messages (user_id, conversation_id, parent_id, role, content) values ($1, $2, $3, $4, $5) returning id`,
			[userId, conversationId, overrides.parentId ?? null, overrides.role ?? 'user', overrides.content ?? 'Hello'],
		),
	)
	return rows[0] ?? Promise.reject(new Error('createMessage inserted nothing'))
}

export async function createGeneration(
	db: Db,
	userId: string,
	overrides: Partial<{
		kind: 'image' | 'video' | 'audio' | 'text'
		status: string
		prompt: string
		model: string
	}> = {},
): Promise<{ id: string }> {
	const { rows } = await db.privileged(tx =>
		tx.query<{ id: string }>(
			`insert into generations (user_id, kind, status, provider, model, prompt) values ($1, $2, $3, 'offline', $4, $5) returning id`,
			[
				userId,
				overrides.kind ?? 'image',
				overrides.status ?? 'queued',
				overrides.model ?? 'offline:image',
				overrides.prompt ?? 'a cat',
			],
		),
	)
	return rows[0] ?? Promise.reject(new Error('createGeneration inserted nothing'))
}

/**
 * Until the database's clock, to the millisecond (as a `Date` reads a timestamp back), is past `at`: whatever is
 * written after this carries a later time. For tests that order rows by time on a clock that ticks in milliseconds.
 */
export function databaseClockPast(db: Db, at: Date): Promise<true> {
	return waitFor(
		`the database clock to pass ${at.toISOString()}`,
		async () => {
			const { rows } = await db.privileged(tx =>
				tx.query<{ past: boolean }>("select date_trunc('milliseconds', clock_timestamp()) > $1::timestamptz as past", [
					at.toISOString(),
				]),
			)
			return rows[0]?.past === true
		},
		{ intervalMs: 1 },
	)
}
