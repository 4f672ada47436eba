/**
 * Schema migrations: `supabase/migrations/YYYYMMDDHHMMSS_name.sql` (Supabase CLI naming) going up, and
 * `supabase/rollbacks/<same file name>` going down. Each file runs in its own privileged transaction
 * under an advisory lock, so several processes starting at once apply each migration exactly once.
 * Applied versions are kept in `app_migrations.schema_migrations` (outside `public`, out of PostgREST's sight).
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { logger } from '#server/logger.ts'
import { runScript } from './common.ts'
import type { Db, Tx } from './types.ts'

export type Migration = { version: string; name: string; file: string; up: string; down: string; checksum: string }
/** `dir`: the folder holding `migrations/` and `rollbacks/` (default: the repository's `supabase/`). */
export type MigrateOptions = { to?: string; dir?: string }
export type MigrationStatus = { version: string; name: string; applied: boolean; appliedAt: Date | null }

const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/
const LOCK_KEY = 'generation-studio:migrations'

/** Finds `supabase/` from this file, in the source tree and in the bundled build alike. */
function defaultDir(): string {
	let dir = path.dirname(fileURLToPath(import.meta.url))
	for (;;) {
		const candidate = path.join(dir, 'supabase')
		if (fs.existsSync(path.join(candidate, 'migrations'))) return candidate
		const parent = path.dirname(dir)
		if (parent === dir) break
		dir = parent
	}
	const fromCwd = path.resolve('supabase')
	if (fs.existsSync(path.join(fromCwd, 'migrations'))) return fromCwd
	throw new Error('Cannot find the supabase/migrations folder')
}

export function loadMigrations(dir = defaultDir()): Migration[] {
	const files = fs
		.readdirSync(path.join(dir, 'migrations'))
		.filter(f => f.endsWith('.sql'))
		.sort()
	const seen = new Map<string, string>()
	return files.map(file => {
		const match = FILE_NAME.exec(file)
		if (!match) throw new Error(`Migration file name must look like YYYYMMDDHHMMSS_name.sql: ${file}`)
		// The version is the key the database records: two files with one version would run only the first, silently.
		const version = match[1] ?? ''
		const twin = seen.get(version)
		if (twin) throw new Error(`Migrations ${twin} and ${file} share the version ${version}: give one a later time`)
		seen.set(version, file)
		const up = fs.readFileSync(path.join(dir, 'migrations', file), 'utf8')
		const downPath = path.join(dir, 'rollbacks', file)
		if (!fs.existsSync(downPath)) throw new Error(`Migration ${file} has no rollback (expected ${downPath})`)
		return {
			version,
			name: match[2] ?? '',
			file,
			up,
			down: fs.readFileSync(downPath, 'utf8'),
			checksum: createHash('sha256').update(up).digest('hex'),
		}
	})
}

async function lockAndEnsureTable(tx: Tx) {
	await tx.query('select pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY])
	await runScript(
		tx,
		`create schema if not exists app_migrations;
		create table if not exists app_migrations.schema_migrations (
			version text primary key,
			name text not null,
			checksum text not null,
			applied_at timestamptz not null default now()
		);`,
	)
}

type AppliedRow = { version: string; name: string; checksum: string; applied_at: Date }

async function applied(db: Db): Promise<AppliedRow[]> {
	return await db.privileged(async tx => {
		await lockAndEnsureTable(tx)
		const { rows } = await tx.query<AppliedRow>(
			'select version, name, checksum, applied_at from app_migrations.schema_migrations order by version',
		)
		return rows
	})
}

export async function migrationStatus(db: Db, options: Pick<MigrateOptions, 'dir'> = {}): Promise<MigrationStatus[]> {
	const done = new Map((await applied(db)).map(r => [r.version, r]))
	const known = loadMigrations(options.dir)
	const status: MigrationStatus[] = known.map(m => ({
		version: m.version,
		name: m.name,
		applied: done.has(m.version),
		appliedAt: done.get(m.version)?.applied_at ?? null,
	}))
	for (const row of done.values()) {
		if (!known.some(m => m.version === row.version)) {
			status.push({ version: row.version, name: row.name, applied: true, appliedAt: row.applied_at })
		}
	}
	return status.sort((a, b) => a.version.localeCompare(b.version))
}

/** Applies every pending migration (up to and including `to`, when given). Returns the versions applied. */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<string[]> {
	const migrations = loadMigrations(options.dir)
	if (options.to !== undefined && !migrations.some(m => m.version === options.to)) {
		throw new Error(`Unknown migration version ${options.to}`)
	}
	const done = new Map((await applied(db)).map(r => [r.version, r]))
	for (const row of done.values()) {
		const known = migrations.find(m => m.version === row.version)
		if (!known) logger.warn('database has a migration this code does not know', { version: row.version })
		else if (known.checksum !== row.checksum) {
			logger.warn('an applied migration file has changed since it ran', { version: row.version, file: known.file })
		}
	}
	const appliedNow: string[] = []
	for (const migration of migrations) {
		if (options.to !== undefined && migration.version > options.to) break
		if (done.has(migration.version)) continue
		const ran = await db.privileged(async tx => {
			await lockAndEnsureTable(tx)
			const { rowCount } = await tx.query('select 1 from app_migrations.schema_migrations where version = $1', [
				migration.version,
			])
			if (rowCount > 0) return false // another process applied it while we waited for the lock
			await runScript(tx, migration.up)
			await tx.query('insert into app_migrations.schema_migrations (version, name, checksum) values ($1, $2, $3)', [
				migration.version,
				migration.name,
				migration.checksum,
			])
			return true
		})
		if (ran) {
			logger.info('migration applied', { version: migration.version, name: migration.name })
			appliedNow.push(migration.version)
		}
	}
	return appliedNow
}

/**
 * Rolls back the newest applied migration, or with `to`, every applied migration newer than `to`
 * (`to: '0'` rolls back everything). Returns the versions rolled back, newest first.
 */
export async function rollback(db: Db, options: MigrateOptions = {}): Promise<string[]> {
	const migrations = new Map(loadMigrations(options.dir).map(m => [m.version, m]))
	const done = (await applied(db)).map(r => r.version).sort((a, b) => b.localeCompare(a))
	const { to } = options
	if (to !== undefined && to !== '0' && !done.includes(to)) {
		throw new Error(`Cannot roll back to ${to}: it is not an applied migration`)
	}
	const targets = to === undefined ? done.slice(0, 1) : done.filter(v => v > to)
	const rolledBack: string[] = []
	for (const version of targets) {
		const migration = migrations.get(version)
		if (!migration) throw new Error(`No rollback file for applied migration ${version}`)
		const ran = await db.privileged(async tx => {
			await lockAndEnsureTable(tx)
			const { rowCount } = await tx.query('delete from app_migrations.schema_migrations where version = $1', [version])
			if (rowCount === 0) return false
			await runScript(tx, migration.down)
			return true
		})
		if (ran) {
			logger.info('migration rolled back', { version, name: migration.name })
			rolledBack.push(version)
		}
	}
	return rolledBack
}
