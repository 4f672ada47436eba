/**
 * What a person asks of generations: create (validated input, budget, idempotency, then row + job in one
 * transaction), read, cancel, retry and delete. All through `db.asUser`, so row-level security applies.
 */
import crypto from 'node:crypto'
import type { GenerationKind, GenerationRequest } from './schema.ts'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { Limits } from '#server/limits/index.ts'
import { rateLimitHeaders, rateLimitMessage } from '#server/limits/http.ts'
import { logger } from '#server/logger.ts'
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Usage } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import type { Actor } from '../actor.ts'
import { resolveModel } from '../models/resolve.ts'
import { checkBudget } from '../usage/index.ts'
import {
	COLUMNS,
	capabilityOf,
	isPending,
	loadGeneration,
	requestOf,
	storedParams,
	toGeneration,
	type Generation,
	type GenerationOutput,
	type Row,
	type RunData,
	type ViewableOutput,
} from './rows.ts'

/** A rough cost before the call, for the budget check: the catalogue price of what was asked for. */
function estimateCostMicros(model: ModelInfo, request: GenerationRequest): number {
	const usage: Usage =
		request.kind === 'image'
			? { unit: 'images', units: request.n }
			: request.kind === 'video'
				? { unit: 'seconds', units: request.durationSeconds }
				: request.mode === 'music'
					? { unit: 'seconds', units: request.durationSeconds }
					: { unit: 'characters', units: request.prompt.length }
	return computeCostMicros(model, usage)
}

function requestHash(request: GenerationRequest): string {
	const sorted = Object.fromEntries(Object.entries(request).sort(([a], [b]) => a.localeCompare(b)))
	return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex')
}

export function createCommands(deps: {
	config: Pick<Config, 'monthlyBudgetUsd'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
	limits: Pick<Limits, 'consume'>
	/** Tells this process's live views that a generation changed status. */
	announce: (generation: Pick<Generation, 'id' | 'status'>) => void
}) {
	const { db, jobs, providers, storage, announce } = deps

	/**
	 * Every way to start provider work — a studio form, `POST /api/generate`, a retry on the page or the API —
	 * comes through `create`, so it counts against one policy, `generation`, here and nowhere else.
	 */
	async function admit(actor: Actor): Promise<Refusal | null> {
		const result = await deps.limits.consume('generation', { ip: '', userId: actor.id })
		if (result.allowed) return null
		return refuse(429, 'rate_limited', rateLimitMessage(result), { headers: rateLimitHeaders(result) })
	}

	/**
	 * Validated input -> budget -> [one transaction: idempotency key, generation row, job]. The same key with
	 * the same request returns the first generation; with a different request it is refused (422).
	 */
	async function create(
		actor: Actor,
		request: GenerationRequest,
		options: { idempotencyKey?: string | null } = {},
	): Promise<{ generation: Generation; replayed: boolean } | Refusal> {
		const model = resolveModel(providers, request.model, capabilityOf(request))
		if ('refused' in model) return model
		const limited = await admit(actor)
		if (limited) return limited
		const key = options.idempotencyKey ?? null
		const hash = requestHash(request)
		const outcome = await db.asUser(
			actor.id,
			async (tx): Promise<{ generation: Generation; replayed: boolean } | Refusal> => {
				if (key) {
					const claimed = await tx.query<{ id: string }>(
						`insert into public.idempotency_keys (user_id, key, request_hash) values ($1, $2, $3)
					 on conflict (user_id, key) do nothing returning id`,
						[actor.id, key, hash],
					)
					if (claimed.rowCount === 0) {
						const { rows } = await tx.query<{ request_hash: string; result_id: string | null }>(
							'select request_hash, result_id from public.idempotency_keys where user_id = $1 and key = $2',
							[actor.id, key],
						)
						const first = rows[0]
						if (first && first.request_hash !== hash) {
							return refuse(
								422,
								'idempotency_conflict',
								'This idempotency key was already used for a different request. Use a new key for a new request.',
							)
						}
						const existing = first?.result_id ? await loadGeneration(tx, first.result_id) : null
						if (existing) return { generation: existing, replayed: true }
						return refuse(409, 'idempotency_in_progress', 'The first request with this key is still being handled.')
					}
				}
				const overBudget = await checkBudget(
					tx,
					actor.id,
					estimateCostMicros(model, request),
					deps.config.monthlyBudgetUsd,
				)
				if (overBudget) return overBudget
				const { rows } = await tx.query<Row>(
					`insert into public.generations (user_id, kind, provider, model, prompt, params, idempotency_key)
				 values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
					[
						actor.id,
						request.kind,
						model.provider,
						model.id,
						request.prompt,
						JSON.stringify(storedParams(request)),
						key,
					],
				)
				const generation = toGeneration(rows[0] as Row)
				if (key) {
					await tx.query(
						`update public.idempotency_keys set result_kind = 'generation', result_id = $3 where user_id = $1 and key = $2`,
						[actor.id, key, generation.id],
					)
				}
				await jobs.enqueue<RunData>(tx, 'generation.run', { generationId: generation.id })
				return { generation, replayed: false }
			},
		)
		// Committed: a worker in this process starts now rather than at its next poll.
		if (!('refused' in outcome) && !outcome.replayed) jobs.wake('generation.run')
		return outcome
	}

	async function get(actor: Actor, id: string): Promise<Generation | Refusal> {
		const generation = await db.asUser(actor.id, tx => loadGeneration(tx, id))
		return generation ?? notFound('That generation')
	}

	async function list(actor: Actor, options: { kind?: GenerationKind; limit?: number; before?: Date } = {}) {
		const limit = Math.min(Math.max(options.limit ?? 24, 1), 100)
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations
				 where ($1::text is null or kind = $1) and ($2::timestamptz is null or created_at < $2)
				 order by created_at desc limit $3`,
				[options.kind ?? null, options.before ?? null, limit],
			)
			return rows.map(toGeneration)
		})
	}

	async function withUrls(generation: Generation, expiresInSeconds = 3600): Promise<ViewableOutput[]> {
		return Promise.all(
			generation.outputs.map(async output => ({
				...output,
				url: await storage.signedUrl(output.bucket, output.key, { expiresInSeconds }),
			})),
		)
	}

	async function cancel(actor: Actor, id: string): Promise<Generation | Refusal> {
		const generation = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`update public.generations set status = 'canceled'
				 where id = $1 and status in ('queued', 'running', 'processing') returning ${COLUMNS}`,
				[isUuid(id) ? id : null],
			)
			return rows[0] ? toGeneration(rows[0]) : null
		})
		if (!generation) {
			const current = await get(actor, id)
			if ('refused' in current) return current
			return refuse(
				409,
				'not_pending',
				`This generation has already ${current.status === 'succeeded' ? 'finished' : current.status}.`,
			)
		}
		await db.privileged(tx => tx.query('update public.generations set completed_at = now() where id = $1', [id]))
		if (generation.predictionId) {
			// Best effort: the row is canceled either way; a late webhook for it changes nothing.
			providers
				.predictions(generation.provider)
				.cancel(generation.predictionId)
				.catch((error: unknown) => logger.warn('provider cancel failed', { error, generationId: id }))
		}
		announce(generation)
		return generation
	}

	/** A new generation with the same request; the failed or canceled one stays in the history. */
	async function retry(actor: Actor, id: string): Promise<{ generation: Generation; replayed: boolean } | Refusal> {
		const original = await get(actor, id)
		if ('refused' in original) return original
		if (isPending(original.status)) return refuse(409, 'still_pending', 'This generation is still running.')
		const request = requestOf(original)
		if (!request) {
			return refuse(
				409,
				'request_outdated',
				'This generation’s settings are no longer accepted; start a new one from the form.',
			)
		}
		return create(actor, request)
	}

	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		const deleted = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(`delete from public.generations where id = $1 returning ${COLUMNS}`, [
				isUuid(id) ? id : null,
			])
			return rows[0] ? toGeneration(rows[0]) : null
		})
		if (!deleted) return notFound('That generation')
		if (deleted.outputs.length > 0) {
			const byBucket = new Map<GenerationOutput['bucket'], string[]>()
			for (const o of deleted.outputs) byBucket.set(o.bucket, [...(byBucket.get(o.bucket) ?? []), o.key])
			for (const [bucket, keys] of byBucket) await storage.remove(bucket, keys)
		}
		return true
	}

	return { create, get, list, withUrls, cancel, retry, remove }
}
