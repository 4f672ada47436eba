/**
 * Database operations from the command line (docs/operations.md):
 *   npm run db:migrate [-- --to <version>]
 *   npm run db:rollback [-- --to <version>]    newest migration only, or everything newer than <version>
 *   npm run db:backup -- <file> [--logical]
 *   npm run db:restore -- <file>               into an empty database / an empty embedded data directory
 *   npx tsx scripts/db.ts status
 * The driver follows the environment, as for the server: DATABASE_URL, else PGlite in $DATA_DIR/pg.
 */
import { loadConfig } from '#server/config.ts'
import { backup, restorePglite, restorePostgres } from '#server/db/backup.ts'
import { createDb, migrate, migrationStatus, pgliteDataDir, rollback } from '#server/db/index.ts'
import { configureLogger, logger } from '#server/logger.ts'

function usage(message?: string): never {
	if (message) process.stderr.write(`${message}\n`)
	process.stderr.write(
		'usage: tsx scripts/db.ts migrate|rollback [--to <version>] | backup <file> [--logical] | restore <file> | status\n',
	)
	process.exit(2)
}

function option(args: string[], name: string): string | undefined {
	const i = args.indexOf(name)
	if (i === -1) return undefined
	const value = args[i + 1]
	if (!value || value.startsWith('--')) usage(`${name} needs a value`)
	return value
}

async function main() {
	const [command, ...args] = process.argv.slice(2)
	const config = loadConfig(process.env, [])
	configureLogger({ level: config.logLevel, json: config.isProduction })
	const out = (line: string) => process.stdout.write(`${line}\n`)

	if (command === 'restore') {
		const file = args.find(a => !a.startsWith('--')) ?? usage('restore needs a file')
		if (config.databaseUrl) {
			const db = await createDb(config)
			try {
				const format = await restorePostgres(db, file, config.databaseUrl)
				out(`restored ${file} (${format}) into the database at DATABASE_URL`)
			} finally {
				await db.close()
			}
		} else {
			const format = await restorePglite(file, pgliteDataDir(config))
			out(`restored ${file} (${format}) into ${pgliteDataDir(config)}`)
		}
		return
	}

	const db = await createDb(config)
	try {
		switch (command) {
			case 'migrate': {
				const to = option(args, '--to')
				const applied = await migrate(db, to === undefined ? {} : { to })
				out(applied.length ? `applied ${applied.join(', ')}` : 'already up to date')
				break
			}
			case 'rollback': {
				const to = option(args, '--to')
				const undone = await rollback(db, to === undefined ? {} : { to })
				out(undone.length ? `rolled back ${undone.join(', ')}` : 'nothing to roll back')
				break
			}
			case 'backup': {
				const file = args.find(a => !a.startsWith('--')) ?? usage('backup needs a file')
				const result = await backup(db, file, {
					format: args.includes('--logical') ? 'logical' : 'native',
					connectionString: config.databaseUrl,
				})
				out(`wrote ${file} (${result.format}, ${result.bytes} bytes)`)
				break
			}
			case 'status': {
				for (const m of await migrationStatus(db)) {
					out(
						`${m.applied ? 'applied ' : 'pending '} ${m.version} ${m.name}${m.appliedAt ? ` (${m.appliedAt.toISOString()})` : ''}`,
					)
				}
				break
			}
			default:
				usage(command ? `unknown command ${command}` : undefined)
		}
	} finally {
		await db.close()
	}
}

main().catch((error: unknown) => {
	logger.error('database command failed', { error: error instanceof Error ? error.message : String(error) })
	process.exitCode = 1
})
