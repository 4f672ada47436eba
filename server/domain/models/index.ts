/**
 * The model catalogue as the studio uses it: the shipped defaults, overlaid with the `models` table (synced
 * availability, admin-edited prices). Loaded at start-up, after every sync and, with Postgres, whenever another
 * process changes the table (the `models_changed` notification).
 */
import type { Db } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import { catalogueFromTable, readModelsTable, runModelsSync, upsertModels } from '#server/providers/models-sync.ts'
import type { ModelsSyncSummary } from '#server/providers/models-sync.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError } from '#server/providers/types.ts'
import { refuse } from '../refusal.ts'
import type { Refusal } from '../refusal.ts'

export function createModels(deps: { db: Db; providers: ProviderRegistry }) {
	const { db, providers } = deps

	async function reload() {
		const rows = await db.privileged(tx => readModelsTable(tx))
		providers.setCatalogue(catalogueFromTable(rows))
	}

	// Another process changed the table (server/db/listen.ts): reload, one reload at a time, and once more if a
	// change came in while one ran. A failure keeps the catalogue in use and is logged; the next change retries.
	let reloading: Promise<void> | null = null
	let again = false
	function refresh(): void {
		if (reloading) {
			again = true
			return
		}
		reloading = reload()
			.catch((error: unknown) => {
				logger.warn('model catalogue: reload after a change failed', { error })
			})
			.finally(() => {
				reloading = null
				if (again) {
					again = false
					refresh()
				}
			})
	}

	/** Refreshes the table from the configured providers, then the catalogue in use. Admins only (the route checks). */
	async function sync(): Promise<ModelsSyncSummary | Refusal> {
		try {
			const summary = await runModelsSync(providers, rows => db.privileged(tx => upsertModels(tx, rows)))
			await reload()
			logger.info('models synced', { available: summary.available, unavailable: summary.unavailable })
			return summary
		} catch (error) {
			logger.warn('models sync failed', { error })
			return refuse(
				503,
				'sync_failed',
				isProviderError(error) ? error.message : 'The providers could not be reached; try again later.',
			)
		}
	}

	return { reload, refresh, sync, list: () => providers.list() }
}

export type Models = ReturnType<typeof createModels>
