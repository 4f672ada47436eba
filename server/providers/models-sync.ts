/**
 * The `models` table and the catalogue: writing sync results into it (`npm run models:sync`) and reading it
 * back into the registry (`providers.setCatalogue(catalogueFromTable(rows))`).
 *
 * Prices an administrator edited in the table survive a sync: a sync inserts new models with list prices
 * and refreshes names, capabilities and availability of known ones, never their prices.
 */
import type { Tx } from '#server/db/index.ts'
import { DEFAULT_CATALOGUE, type ModelInfo, type ModelRow, type Prices } from './catalogue.ts'
import type { ProviderRegistry } from './registry.ts'
import { isCapability, type ProviderName } from './types.ts'

export type ModelsTableRow = {
	id: string
	provider: ProviderName
	capabilities: string[]
	display_name: string
	prices: Prices
	/** The administrator's switch: a disabled model is offered nowhere (a sync never changes it). */
	enabled: boolean
	/** The last sync found the model at its provider. */
	listed: boolean
	synced_at: Date | null
}

/** Sent by the `models` table's trigger at the commit of any change (migration 20261207090000_models_changed). */
export const MODELS_CHANGED_CHANNEL = 'models_changed'

export type ModelsSyncSummary = { rows: ModelRow[]; available: number; unavailable: number }

/**
 * Refreshes the catalogue from the configured providers and hands the rows to `upsert` (a database write
 * in production, a plain function in tests).
 */
export async function runModelsSync(
	providers: Pick<ProviderRegistry, 'syncModels'>,
	upsert: (rows: ModelRow[]) => Promise<void>,
	signal?: AbortSignal,
): Promise<ModelsSyncSummary> {
	const rows = await providers.syncModels(signal)
	await upsert(rows)
	const available = rows.filter(r => r.available).length
	return { rows, available, unavailable: rows.length - available }
}

/** Writes sync rows into `models` (privileged: only the sync writes the catalogue). */
export async function upsertModels(tx: Tx, rows: readonly ModelRow[]): Promise<void> {
	for (const row of rows) {
		await tx.query(
			`insert into public.models (id, provider, capabilities, display_name, prices, listed, synced_at)
			 values ($1, $2, $3::text[], $4, $5::jsonb, $6, $7)
			 on conflict (id) do update set
				provider = excluded.provider,
				capabilities = excluded.capabilities,
				display_name = excluded.display_name,
				listed = excluded.listed,
				synced_at = excluded.synced_at,
				updated_at = now()`,
			[
				row.id,
				row.provider,
				row.capabilities,
				row.displayName,
				JSON.stringify(row.prices),
				row.available,
				row.syncedAt,
			],
		)
	}
}

export async function readModelsTable(tx: Tx): Promise<ModelsTableRow[]> {
	const result = await tx.query<ModelsTableRow>(
		'select id, provider, capabilities, display_name, prices, enabled, listed, synced_at from public.models order by id',
	)
	return result.rows
}

function isPrices(value: unknown): value is Prices {
	if (!value || typeof value !== 'object' || Array.isArray(value)) return false
	return Object.values(value).every(v => typeof v === 'number' && Number.isFinite(v) && v >= 0)
}

/**
 * The registry's catalogue from the table: known models keep what only the code knows (billing rules,
 * versions, extra capabilities) and take the table's name, prices and availability; models a self-hosted
 * server reported are rebuilt from their row; code catalogue models missing from the table stay as shipped.
 */
export function catalogueFromTable(
	rows: readonly ModelsTableRow[],
	shipped: readonly ModelInfo[] = DEFAULT_CATALOGUE,
): Array<ModelInfo & { available: boolean; enabled: boolean }> {
	const byId = new Map(rows.map(r => [r.id, r]))
	const out: Array<ModelInfo & { available: boolean; enabled: boolean }> = []
	for (const model of shipped) {
		const row = byId.get(model.id)
		byId.delete(model.id)
		if (!row) {
			out.push({ ...model, available: true, enabled: true })
			continue
		}
		const capabilities = row.capabilities.filter(isCapability).filter(c => model.capabilities.includes(c))
		out.push({
			...model,
			displayName: row.display_name,
			capabilities: capabilities.length > 0 ? capabilities : model.capabilities,
			prices: isPrices(row.prices) ? row.prices : model.prices,
			available: row.listed,
			enabled: row.enabled,
		})
	}
	for (const row of byId.values()) {
		const vendorModel = row.id.slice(row.provider.length + 1)
		out.push({
			id: row.id,
			provider: row.provider,
			vendorModel,
			displayName: row.display_name,
			description: 'Served by the configured OpenAI-compatible server.',
			capabilities: row.capabilities.filter(isCapability),
			prices: isPrices(row.prices) ? row.prices : {},
			available: row.listed,
			enabled: row.enabled,
		})
	}
	return out
}
