/**
 * Switching a model off and on. The switch is `models.enabled` (a sync never changes it); the registry's one
 * meaning of "available" includes it, so every model list, every form, `/api/models` and `resolveModel` see the
 * change as soon as the catalogue is reloaded, right after the transaction that made it (and audited it).
 */
import type { Db } from '#server/db/index.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { recordAudit, stillAdmin } from './audit.ts'
import type { AdminActor } from './users.ts'

export function createAdminModels(deps: {
	db: Db
	providers: Pick<ProviderRegistry, 'list'>
	/** Reads the table back into the catalogue in use (the models service's `reload`). */
	reload: () => Promise<void>
}) {
	const { db, providers, reload } = deps

	async function setEnabled(
		actor: AdminActor,
		modelId: string,
		enabled: boolean,
	): Promise<{ message: string } | Refusal> {
		const model = providers.list().find(m => m.id === modelId)
		if (!model) return refuse(404, 'not_found', `There is no model called ${modelId}.`)
		if (model.enabled === enabled) {
			return { message: `${model.displayName} is already ${enabled ? 'switched on' : 'switched off'}.` }
		}
		const refused = await db.privileged(async tx => {
			const notAdmin = await stillAdmin(tx, actor.id)
			if (notAdmin) return notAdmin
			// A shipped model that no sync has written yet gets its row now, with the catalogue's facts.
			const old = await tx.query<{ enabled: boolean }>('select enabled from public.models where id = $1 for update', [
				modelId,
			])
			await tx.query(
				`insert into public.models (id, provider, capabilities, display_name, prices, enabled)
				values ($1, $2, $3::text[], $4, $5::jsonb, $6)
				on conflict (id) do update set enabled = excluded.enabled, updated_at = now()`,
				[modelId, model.provider, model.capabilities, model.displayName, JSON.stringify(model.prices), enabled],
			)
			await recordAudit(tx, {
				actor,
				action: enabled ? 'model.enable' : 'model.disable',
				targetType: 'model',
				targetId: modelId,
				targetLabel: model.displayName,
				before: { enabled: old.rows[0]?.enabled ?? true },
				after: { enabled },
			})
			return null
		})
		if (refused) return refused
		await reload()
		return {
			message: enabled
				? `${model.displayName} is switched on: it is offered again wherever it fits.`
				: `${model.displayName} is switched off: no form or API offers it, and requests naming it are refused.`,
		}
	}

	return { setEnabled }
}
