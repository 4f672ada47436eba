/**
 * Backups and restores (docs/operations.md):
 * - PGlite: `dumpDataDir()` archive of the whole data directory (tar.gz); restored with `loadDataDir`
 *   into a new, empty data directory.
 * - Postgres: `pg_dump --format=custom` when a pg_dump at least as new as the server is on PATH, restored
 *   with pg_restore into an empty database.
 * - logical (either driver, and the fallback for Postgres): every table in `public` as JSON, plus the
 *   applied migration versions. Restoring migrates the empty target to that version, then loads the
 *   rows. It also moves data between drivers (PGlite -> Postgres). Queued jobs are not included.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { logger } from '#server/logger.ts'
import { runScript } from './common.ts'
import { migrate } from './migrate.ts'
import { createPgliteDb, pgliteHandle } from './pglite.ts'
import type { Db, Tx } from './types.ts'

const run = promisify(execFile)

export type BackupFormat = 'pglite-archive' | 'pg_dump' | 'logical'

const LOGICAL_FORMAT = 'generation-studio/logical'
const CHUNK = 500

/** The roles the schema's grants name; pg_restore needs them to exist (roles live outside a dump). */
const ROLES_SQL = `do $$
declare r text;
begin
	foreach r in array array['anon', 'authenticated', 'service_role'] loop
		if not exists (select 1 from pg_roles where rolname = r) then
			begin
				execute format('create role %I nologin noinherit', r);
			exception when duplicate_object or unique_violation then null;
			end;
		end if;
	end loop;
end
$$;`

/** A pg_dump usable against this server: on PATH and of the same or a newer major version. */
export async function usablePgDump(db: Db): Promise<boolean> {
	if (db.kind !== 'postgres') return false
	try {
		const { stdout } = await run('pg_dump', ['--version'])
		const client = Number(/(\d+)(?:\.\d+)?/.exec(stdout)?.[1] ?? 0)
		const { rows } = await db.privileged(tx =>
			tx.query<{ v: string }>("select current_setting('server_version_num') as v"),
		)
		const server = Math.floor(Number(rows[0]?.v ?? 0) / 10_000)
		return client >= server && server > 0
	} catch {
		return false
	}
}

export type BackupOptions = {
	/** 'native' (default): the driver's own format; 'logical': portable JSON. */
	format?: 'native' | 'logical'
	/** Postgres: the connection string pg_dump uses (the same database as `db`). */
	connectionString?: string | null
}

export async function backup(
	db: Db,
	file: string,
	options: BackupOptions = {},
): Promise<{ format: BackupFormat; bytes: number }> {
	fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
	let format: BackupFormat = 'logical'
	if (options.format !== 'logical') {
		if (db.kind === 'pglite') {
			const archive = await pgliteHandle(db).dumpDataDir('gzip')
			fs.writeFileSync(file, Buffer.from(await archive.arrayBuffer()))
			format = 'pglite-archive'
		} else if (options.connectionString && (await usablePgDump(db))) {
			await run('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, options.connectionString], {
				maxBuffer: 16 * 1024 * 1024,
			})
			format = 'pg_dump'
		} else {
			logger.warn('no pg_dump matching the server on PATH: writing a logical backup instead')
		}
	}
	if (format === 'logical') await logicalBackup(db, file)
	return { format, bytes: fs.statSync(file).size }
}

/** Tells a backup file's format from its first bytes. */
export async function backupFormat(file: string): Promise<BackupFormat> {
	const handle = await fs.promises.open(file, 'r')
	try {
		const head = Buffer.alloc(5)
		await handle.read(head, 0, 5, 0)
		if (head.toString('latin1') === 'PGDMP') return 'pg_dump'
		if (head[0] !== 0x1f || head[1] !== 0x8b) throw new Error(`${file} is not a backup made by db:backup`)
	} finally {
		await handle.close()
	}
	// Both remaining formats are gzip: a logical dump starts with '{', a tar archive does not.
	const first = await new Promise<number | undefined>((resolve, reject) => {
		const stream = fs.createReadStream(file).pipe(zlib.createGunzip())
		stream.once('data', (chunk: Buffer) => {
			resolve(chunk[0])
			stream.destroy()
		})
		stream.once('error', reject)
		stream.once('end', () => resolve(undefined))
	})
	return first === '{'.charCodeAt(0) ? 'logical' : 'pglite-archive'
}

async function publicTables(tx: Tx): Promise<string[]> {
	const { rows } = await tx.query<{ name: string }>(
		`select c.relname as name from pg_class c
		where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') order by c.relname`,
	)
	return rows.map(r => r.name)
}

async function insertableColumns(tx: Tx, table: string): Promise<string[]> {
	const { rows } = await tx.query<{ name: string }>(
		`select column_name as name from information_schema.columns
		where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' order by ordinal_position`,
		[table],
	)
	return rows.map(r => r.name)
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`

async function logicalBackup(db: Db, file: string) {
	const gzip = zlib.createGzip()
	const out = fs.createWriteStream(file)
	const done = new Promise<void>((resolve, reject) => {
		out.on('finish', resolve)
		out.on('error', reject)
		gzip.on('error', reject)
	})
	gzip.pipe(out)
	const write = async (value: unknown) => {
		if (!gzip.write(`${JSON.stringify(value)}\n`)) await new Promise(resolve => gzip.once('drain', resolve))
	}
	// One repeatable-read snapshot, so the backup is consistent across tables.
	await db.privileged(async tx => {
		await tx.query('set transaction isolation level repeatable read')
		const { rows: versions } = await tx.query<{ version: string }>(
			'select version from app_migrations.schema_migrations order by version',
		)
		const tables = await publicTables(tx)
		await write({
			format: LOGICAL_FORMAT,
			version: 1,
			createdAt: new Date().toISOString(),
			migrations: versions.map(v => v.version),
			tables,
		})
		for (const table of tables) {
			const columns = await insertableColumns(tx, table)
			let last: unknown = null
			for (;;) {
				// keyset pagination on the primary key (every table's is `id`)
				const { rows } = await tx.query<{ id: unknown; row: Record<string, unknown> }>(
					`select id, to_jsonb(t) as row from public.${ident(table)} t
					${last === null ? '' : 'where id > $1'} order by id limit ${CHUNK}`,
					last === null ? [] : [last],
				)
				if (rows.length === 0) break
				await write({ table, columns, rows: rows.map(r => r.row) })
				last = rows[rows.length - 1]?.id
				if (rows.length < CHUNK) break
			}
		}
	})
	gzip.end()
	await done
}

type LogicalHeader = { format: string; version: number; migrations: string[]; tables: string[] }
type LogicalChunk = { table: string; columns: string[]; rows: Record<string, unknown>[] }

/** Refuses to restore over data: the target must have no rows in any public table. */
async function assertEmpty(tx: Tx) {
	for (const table of await publicTables(tx)) {
		const { rows } = await tx.query(`select 1 from public.${ident(table)} limit 1`)
		if (rows.length > 0)
			throw new Error(`The target database is not empty (table ${table} has rows): restore into a new database`)
	}
}

export async function logicalRestore(db: Db, file: string): Promise<void> {
	const lines = readline.createInterface({
		input: fs.createReadStream(file).pipe(zlib.createGunzip()),
		crlfDelay: Infinity,
	})
	const iterator = lines[Symbol.asyncIterator]()
	const first = await iterator.next()
	const header = first.done ? null : (JSON.parse(first.value) as LogicalHeader)
	if (!header || header.format !== LOGICAL_FORMAT) throw new Error(`${file} is not a logical backup`)
	const target = header.migrations[header.migrations.length - 1]
	await db.privileged(assertEmpty)
	if (target) await migrate(db, { to: target })
	await db.privileged(async tx => {
		await assertEmpty(tx)
		const tables = await publicTables(tx)
		// Rows arrive in any order: foreign keys are checked at commit, user triggers (share-target checks,
		// updated_at) stay off while loading; the owner may do both, inside this one transaction.
		await tx.query('set constraints all deferred')
		for (const table of tables) await tx.query(`alter table public.${ident(table)} disable trigger user`)
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
			if (!next.value.trim()) continue
			const chunk = JSON.parse(next.value) as LogicalChunk
			if (!tables.includes(chunk.table)) throw new Error(`The backup has table ${chunk.table}, which this schema lacks`)
			const cols = chunk.columns.map(ident).join(', ')
			await tx.query(
				`insert into public.${ident(chunk.table)} (${cols})
				select ${cols} from jsonb_populate_recordset(null::public.${ident(chunk.table)}, $1::jsonb)`,
				[JSON.stringify(chunk.rows)],
			)
		}
		// check every foreign key now (the restore fails here if the backup is inconsistent), then re-arm triggers
		await tx.query('set constraints all immediate')
		for (const table of tables) await tx.query(`alter table public.${ident(table)} enable trigger user`)
	})
}

/** Restores a backup made by `backup()` into an empty Postgres database (pg_dump or logical format). */
export async function restorePostgres(db: Db, file: string, connectionString: string): Promise<BackupFormat> {
	const format = await backupFormat(file)
	if (format === 'pglite-archive') {
		throw new Error(
			'This is an embedded-database archive: restore it with the embedded driver, or make a --logical backup to move to Postgres',
		)
	}
	if (format === 'logical') {
		await logicalRestore(db, file)
		return format
	}
	const { rows } = await db.privileged(tx =>
		tx.query<{ n: number }>(
			"select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')",
		),
	)
	if ((rows[0]?.n ?? 0) > 0) throw new Error('The target database is not empty: restore into a new database (createdb)')
	await db.privileged(tx => runScript(tx, ROLES_SQL))
	await run(
		'pg_restore',
		['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${connectionString}`, file],
		{
			maxBuffer: 16 * 1024 * 1024,
		},
	)
	return format
}

/**
 * Restores into the embedded database at `dataDir`, which must not exist or be empty. A PGlite archive
 * becomes the data directory as it was; a logical backup is loaded into a new one.
 */
export async function restorePglite(file: string, dataDir: string): Promise<BackupFormat> {
	if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
		throw new Error(`${dataDir} is not empty: move it aside (keep it until the restore is checked) and run again`)
	}
	const format = await backupFormat(file)
	if (format === 'pg_dump') throw new Error('This is a pg_dump archive: restore it into Postgres (DATABASE_URL)')
	if (format === 'pglite-archive') {
		const data = fs.readFileSync(file)
		const db = await createPgliteDb({ dataDir, loadDataDir: new Blob([data]) })
		await db.close()
		return format
	}
	const db = await createPgliteDb({ dataDir })
	try {
		await logicalRestore(db, file)
	} finally {
		await db.close()
	}
	return format
}
