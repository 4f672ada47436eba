/** Backup -> restore into an empty database gives back every row of every table, on both drivers. */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backup, backupFormat, restorePglite, restorePostgres } from '#server/db/backup.ts'
import { createPgliteDb, createPostgresDb, type Db } from '#server/db/index.ts'
import {
	createScratchPostgresDatabase,
	createTestDb,
	createUser,
	makeTempDir,
	type TestDb,
	testDrivers,
} from '#tests/support/database.ts'
import { publicTables, seedGraph } from './graph.ts'

const exec = promisify(execFile)

/** Row count and a content digest of every table in public, plus the applied migrations. */
async function contents(db: Db): Promise<Record<string, { rows: number; digest: string | null }>> {
	const out: Record<string, { rows: number; digest: string | null }> = {}
	for (const table of [...(await publicTables(db)), 'app_migrations.schema_migrations']) {
		const { rows } = await db.privileged(tx =>
			tx.query<{ n: number; digest: string | null }>(
				table.includes('.')
					? `select count(*)::int as n, md5(string_agg(version, ',' order by version)) as digest from ${table}`
					: `select count(*)::int as n, md5(string_agg(to_jsonb(t)::text, ',' order by t.id)) as digest from public.${table} t`,
			),
		)
		out[table] = { rows: rows[0]?.n ?? -1, digest: rows[0]?.digest ?? null }
	}
	return out
}

async function seed(db: Db) {
	for (let i = 0; i < 3; i++) await seedGraph(db, (await createUser(db)).id)
	await db.privileged(async tx => {
		await tx.query(
			"insert into models (id, provider, capabilities, display_name, prices) values ('openai:gpt-4o-mini', 'openai', '{chat,title}', 'GPT-4o mini', $1)",
			[JSON.stringify({ inputPerMillion: 0.15, outputPerMillion: 0.6 })],
		)
		await tx.query("insert into webhook_events (id, provider) values ('msg_1', 'replicate')")
		await tx.query("insert into deployment_settings (id, value) values ('local_media_id', 'b5d0c7e2')")
		// The audit log only ever grows (a trigger refuses changes): a backup must carry it whole.
		await tx.query(
			`insert into admin_audit (actor_id, actor_email, action, target_type, target_id, target_label, before, after)
			 values (gen_random_uuid(), 'admin@example.test', 'model.disable', 'model', 'openai:gpt-4o-mini', 'GPT-4o mini',
			         '{"enabled": true}', '{"enabled": false}')`,
		)
	})
}

describe.each(testDrivers())('backups on %s', driver => {
	let t: TestDb
	let dir: string
	let before: Awaited<ReturnType<typeof contents>>

	beforeAll(async () => {
		t = await createTestDb(driver)
		dir = makeTempDir('gs-backup-')
		await seed(t.db)
		before = await contents(t.db)
		expect(
			Object.entries(before)
				.filter(([, c]) => c.rows === 0)
				.map(([table]) => table),
		).toEqual([])
	})
	afterAll(async () => {
		await t?.dispose()
		if (dir) fs.rmSync(dir, { recursive: true, force: true })
	})

	/** Restores `file` into a new empty database of this driver and returns its contents. */
	async function restoreIntoEmpty(file: string): Promise<Awaited<ReturnType<typeof contents>>> {
		if (driver === 'pglite') {
			const target = path.join(makeTempDir('gs-restore-'), 'pg')
			await restorePglite(file, target)
			const db = await createPgliteDb({ dataDir: target })
			try {
				return await contents(db)
			} finally {
				await db.close()
				fs.rmSync(path.dirname(target), { recursive: true, force: true })
			}
		}
		const scratch = await createScratchPostgresDatabase()
		const db = createPostgresDb({ connectionString: scratch.url, max: 2 })
		try {
			await restorePostgres(db, file, scratch.url)
			return await contents(db)
		} finally {
			await db.close()
			await scratch.drop()
		}
	}

	it('native backup -> restore into an empty database: same rows in every table', async () => {
		const file = path.join(dir, 'native.backup')
		const result = await backup(t.db, file, { connectionString: t.connectionString })
		expect(result.format).toBe(driver === 'pglite' ? 'pglite-archive' : 'pg_dump')
		expect(await backupFormat(file)).toBe(result.format)
		expect(await restoreIntoEmpty(file)).toEqual(before)
	})

	it('logical backup -> restore into an empty database: same rows in every table', async () => {
		const file = path.join(dir, 'logical.backup')
		const result = await backup(t.db, file, { format: 'logical' })
		expect(result.format).toBe('logical')
		expect(await backupFormat(file)).toBe('logical')
		expect(await restoreIntoEmpty(file)).toEqual(before)
	})

	it('refuses to restore over existing data', async () => {
		const file = path.join(dir, 'refuse.backup')
		await backup(t.db, file, { format: 'logical', connectionString: t.connectionString })
		if (driver === 'pglite') {
			const occupied = makeTempDir('gs-occupied-')
			fs.writeFileSync(path.join(occupied, 'PG_VERSION'), '17')
			await expect(restorePglite(file, occupied)).rejects.toThrow(/not empty/)
			fs.rmSync(occupied, { recursive: true, force: true })
		} else {
			await expect(restorePostgres(t.db, file, t.connectionString ?? '')).rejects.toThrow(/not empty/)
		}
	})

	it('works from the command line: npm run db:backup / db:restore', async () => {
		const file = path.join(dir, 'cli.backup')
		const cleanup: string[] = []
		const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', DATA_DIR: t.config.dataDir, LOG_LEVEL: 'error' }
		if (driver === 'postgres') env.DATABASE_URL = t.connectionString ?? ''
		else delete env.DATABASE_URL
		const tsx = path.resolve('node_modules/.bin/tsx')
		if (driver === 'pglite') {
			// one process owns an embedded database: the CLI works on a copy while this one stays open
			const copy = path.join(dir, 'copy.backup')
			await backup(t.db, copy)
			const copyDir = makeTempDir('gs-cli-')
			await restorePglite(copy, path.join(copyDir, 'pg'))
			env.DATA_DIR = copyDir
			cleanup.push(copyDir)
		}
		const { stdout } = await exec(tsx, ['scripts/db.ts', 'backup', file], { env })
		expect(stdout).toMatch(/wrote .*cli\.backup/)
		const targetDir = makeTempDir('gs-cli-target-')
		const scratch = driver === 'postgres' ? await createScratchPostgresDatabase() : null
		try {
			const restoreEnv = { ...env, DATA_DIR: targetDir, ...(scratch ? { DATABASE_URL: scratch.url } : {}) }
			const restored = await exec(tsx, ['scripts/db.ts', 'restore', file], { env: restoreEnv })
			expect(restored.stdout).toMatch(/restored/)
			const status = await exec(tsx, ['scripts/db.ts', 'status'], { env: restoreEnv })
			expect(status.stdout).not.toMatch(/pending/)
			const db = scratch
				? createPostgresDb({ connectionString: scratch.url, max: 1 })
				: await createPgliteDb({ dataDir: path.join(targetDir, 'pg') })
			try {
				expect(await contents(db)).toEqual(before)
			} finally {
				await db.close()
			}
		} finally {
			await scratch?.drop()
			for (const d of [targetDir, ...cleanup]) fs.rmSync(d, { recursive: true, force: true })
		}
	}, 120_000)
})
