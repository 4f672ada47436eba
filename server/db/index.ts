/**
 * The data layer's front door. `createDb(config)` picks the driver: node-postgres when DATABASE_URL is
 * set, otherwise embedded PGlite in `${dataDir}/pg`. See docs/decisions/002-pglite-embedded-default.md.
 */
import path from 'node:path'
import type { Config } from '#server/config.ts'
import { logger } from '#server/logger.ts'
import { createPgliteDb } from './pglite.ts'
import { createPostgresDb } from './postgres.ts'
import type { Db, Tx } from './types.ts'

export type { Db, DbHealth, DbKind, QueryResult, Tx } from './types.ts'
export { createPgliteDb, pgliteHandle, type PgliteDbOptions } from './pglite.ts'
export { errorMessage, runScript, withTimeout } from './common.ts'
export { createPostgresDb, type PostgresDbOptions } from './postgres.ts'
export { listenForNotifications, type NotificationListener } from './listen.ts'
export {
	migrate,
	rollback,
	migrationStatus,
	loadMigrations,
	type Migration,
	type MigrateOptions,
	type MigrationStatus,
} from './migrate.ts'
export {
	asUnavailable,
	DatabaseUnavailableError,
	dbErrorCode,
	isDatabaseUnavailable,
	isUniqueViolation,
	isForeignKeyViolation,
	isCheckViolation,
	PG_ERROR,
} from './errors.ts'

/** Where the embedded database lives for a given config. */
export function pgliteDataDir(config: Pick<Config, 'dataDir'>): string {
	return path.join(config.dataDir, 'pg')
}

export async function createDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Db> {
	if (config.databaseUrl) {
		logger.info('database: postgres (DATABASE_URL)')
		return createPostgresDb({ connectionString: config.databaseUrl })
	}
	const dataDir = pgliteDataDir(config)
	logger.info('database: embedded PGlite', { dataDir })
	return await createPgliteDb({ dataDir })
}

/** The per-transaction setting the public-share policies read (migration 20261127000200_public_sharing). */
export const SHARE_SLUG_SETTING = 'app.share_slug'

/**
 * Lets this `asAnon` transaction read the one shared item behind `slug` (and nothing else): the share
 * policies on `anon` compare this setting with `shared_content.slug` of a share that is not revoked.
 */
export async function setShareSlug(tx: Tx, slug: string): Promise<void> {
	await tx.query('select set_config($1, $2, true)', [SHARE_SLUG_SETTING, slug])
}
