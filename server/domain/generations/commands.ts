/**
 * What a person asks of generations: create (validated input, budget, idempotency, then row + job in one
 * transaction), cancel, retry, vary, upscale and delete (reading is ./reads.ts). All through `db.asUser`, so row-level security applies.
 */
import crypto from 'node:crypto'
import type { GenerationRequest } from './schema.ts'
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
import { schedulePurge, windowOpen, windowPassed } from '../undo/index.ts'
import { fitVideoRequest } from './video.ts'
import { audioModelFor, fitAudioRequest } from './audio.ts'
import { createReads } from './reads.ts'
import { checkSource, fitImageRequest, upscaleOf, variationOf, type Relation } from './images.ts'
import {
	COLUMNS,
	capabilityOf,
	outputKeys,
	relationOf,
	isPending,
	loadGeneration,
	requestOf,
	storedParams,
	toGeneration,
	type Generation,
	type GenerationOutput,
	type Row,
	type RunData,
} from './rows.ts'

/** A rough cost before the call, for the budget check: the catalogue price of what was asked for. */
function estimateCostMicros(model: ModelInfo, request: GenerationRequest): number {
	const usage: Usage =
		request.kind === 'image'
			? { unit: 'images', units: request.operation === 'upscale' ? 1 : request.n }
			: request.kind === 'video'
				? { unit: 'seconds', units: request.durationSeconds ?? 0 }
				: request.mode !== 'speech'
					? { unit: 'seconds', units: request.durationSeconds }
					: { unit: 'characters', units: request.prompt.length }
	return computeCostMicros(model, usage)
}

function requestHash(request: GenerationRequest, parentId: string | null): string {
	const sorted = Object.fromEntries(Object.entries(request).sort(([a], [b]) => a.localeCompare(b)))
	return crypto
		.createHash('sha256')
		.update(JSON.stringify({ ...sorted, parentId }))
		.digest('hex')
}

export type CreateOptions = {
	idempotencyKey?: string | null
	/** The generation this one is made from; a request with a source image defaults to that. */
	parentId?: string | null
	relation?: Relation
}

/** Signed URLs expire on these boundaries (see `withUrls`). */
export function createCommands(deps: {
	config: Pick<Config, 'monthlyBudgetUsd'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
	/** The `generation` policy is counted here, once a request is valid, and given back when nothing was queued. */
	limits: Pick<Limits, 'consume' | 'reward'>
	/** Tells this process's live views that a generation changed status. */
	announce: (generation: Pick<Generation, 'id' | 'status'>) => void
}) {
	const { db, jobs, providers, storage, announce } = deps
	const { get } = createReads(deps)

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
		options: CreateOptions = {},
	): Promise<{ generation: Generation; replayed: boolean } | Refusal> {
		const resolved = resolveModel(providers, request.model, capabilityOf(request))
		if ('refused' in resolved) return resolved
		// No model named for a sound effect: the first that makes effects, when the default makes music only.
		const model =
			request.kind === 'audio' && !request.model ? audioModelFor(providers, request.mode, resolved) : resolved
		// The key is checked against the request as it was sent: a resent form with a blank seed is the same request.
		const hash = requestHash(request, options.parentId ?? null)
		let fitted = request
		if (request.kind === 'image') {
			const image = fitImageRequest(model, request)
			if ('refused' in image) return image
			fitted = image
		} else if (request.kind === 'video') {
			const video = fitVideoRequest(model, request)
			if ('refused' in video) return video
			fitted = video
		} else {
			const audio = fitAudioRequest(model, request)
			if ('refused' in audio) return audio
			fitted = audio
		}
		const limited = await admit(actor)
		if (limited) return limited
		// Only what reaches the queue counts: a replay, or a refusal below (budget, key conflict), gives it back.
		let queued = false
		try {
			const outcome = await insert(actor, fitted, model, hash, options)
			queued = !('refused' in outcome) && !outcome.replayed
			return outcome
		} finally {
			if (!queued) await deps.limits.reward('generation', { ip: '', userId: actor.id })
		}
	}

	async function insert(
		actor: Actor,
		request: GenerationRequest,
		model: ModelInfo,
		hash: string,
		options: CreateOptions,
	): Promise<{ generation: Generation; replayed: boolean } | Refusal> {
		const key = options.idempotencyKey ?? null
		const source = request.kind === 'audio' ? undefined : request.sourceId
		const parentId = options.parentId ?? source ?? null
		const relation: Relation | undefined =
			options.relation ??
			(request.kind === 'image' && request.operation === 'upscale'
				? 'upscale'
				: request.kind === 'image' && request.operation === 'edit'
					? 'edit'
					: source
						? request.kind === 'video'
							? 'image-to-video'
							: 'image-to-image'
						: undefined)
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
				if (request.kind !== 'audio') {
					const refused = await checkSource(tx, request)
					if (refused) return refused
				}
				if (parentId && !(await loadGeneration(tx, parentId))) return notFound('That generation')
				const overBudget = await checkBudget(
					tx,
					actor.id,
					estimateCostMicros(model, request),
					deps.config.monthlyBudgetUsd,
				)
				if (overBudget) return overBudget
				const params = { ...storedParams(request), ...(relation ? { relation } : {}) }
				const { rows } = await tx.query<Row>(
					`insert into public.generations (user_id, kind, provider, model, prompt, params, idempotency_key, parent_id)
				 values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${COLUMNS}`,
					[actor.id, request.kind, model.provider, model.id, request.prompt, JSON.stringify(params), key, parentId],
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

	async function cancel(actor: Actor, id: string): Promise<Generation | Refusal> {
		const generation = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`update public.generations set status = 'canceled'
				 where id = $1 and deleted_at is null and status in ('queued', 'running', 'processing')
				 returning ${COLUMNS}`,
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
		return create(actor, request, { parentId: original.parentId, ...relationOf(original) })
	}

	/** A finished image generation of the user's, or why there is none to build on. */
	async function finishedImage(actor: Actor, id: string): Promise<Generation | Refusal> {
		const original = await get(actor, id)
		if ('refused' in original) return original
		if (original.kind !== 'image') return refuse(400, 'not_an_image', 'Only images can be varied, upscaled or edited.')
		if (original.status !== 'succeeded') {
			return refuse(409, 'not_finished', 'This image is not finished yet; wait for it, then try again.')
		}
		return original
	}

	/** A finished image generation's stored request, or why there is none to build on. */
	async function imageRequestOf(actor: Actor, id: string) {
		const original = await finishedImage(actor, id)
		if ('refused' in original) return original
		if (original.params.local === true) {
			return refuse(400, 'not_variable', 'A crop or canvas edit has no settings to vary; vary the image it came from.')
		}
		const request = requestOf(original)
		if (request?.kind !== 'image') {
			return refuse(409, 'request_outdated', 'This image’s settings are no longer accepted; start from the form.')
		}
		return { original, request }
	}

	/** "Vary": the same settings with a new seed, as a child of the image. */
	async function vary(
		actor: Actor,
		id: string,
		options: { idempotencyKey?: string | null } = {},
	): Promise<{ generation: Generation; replayed: boolean } | Refusal> {
		const found = await imageRequestOf(actor, id)
		if ('refused' in found) return found
		const request = variationOf(found.request)
		if ('refused' in request) return request
		return create(actor, request, { ...options, parentId: id, relation: 'variation' })
	}

	/** "Upscale": one image of the generation, enlarged by an upscaler, as its child. */
	async function upscale(
		actor: Actor,
		id: string,
		options: { output?: number; model?: string | undefined; scale?: 2 | 4 | undefined; idempotencyKey?: string | null },
	): Promise<{ generation: Generation; replayed: boolean } | Refusal> {
		// Any finished image can be enlarged, a crop or canvas edit too.
		const original = await finishedImage(actor, id)
		if ('refused' in original) return original
		const request = upscaleOf(original, {
			output: options.output ?? 0,
			model: options.model,
			scale: options.scale,
		})
		return create(actor, request, { idempotencyKey: options.idempotencyKey ?? null, parentId: id })
	}

	/**
	 * Deletes a generation, undoably: it leaves the studio and the library now and is purged with its files when
	 * the undo window is over. One still pending is canceled first, so no provider works for a deleted row and an
	 * undo brings it back canceled, ready to run again.
	 */
	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		const current = await get(actor, id)
		if ('refused' in current) return current
		if (isPending(current.status)) {
			const canceled = await cancel(actor, id)
			// It finished meanwhile: delete it as it is.
			if ('refused' in canceled && canceled.code !== 'not_pending') return canceled
		}
		const marked = await db.asUser(actor.id, async tx => {
			const { rowCount } = await tx.query(
				'update public.generations set deleted_at = now() where id = $1 and deleted_at is null',
				[id],
			)
			if (rowCount === 0) return false
			await schedulePurge(jobs, tx, 'generation', id)
			return true
		})
		return marked ? true : notFound('That generation')
	}

	/** Undo of `remove`, while the window is open. */
	async function restore(actor: Actor, id: string): Promise<true | Refusal> {
		const { rowCount } = await db.asUser(actor.id, tx =>
			tx.query(`update public.generations set deleted_at = null where id = $1 and ${windowOpen('deleted_at')}`, [
				isUuid(id) ? id : null,
			]),
		)
		return rowCount > 0
			? true
			: refuse(409, 'too_late', 'It is too late to undo: the generation has been deleted for good.')
	}

	/** The purge job's part (privileged: it runs for whoever deleted): the files, then the row. */
	async function purge(id: string): Promise<void> {
		if (!isUuid(id)) return
		const due = await db.privileged(tx => loadGeneration(tx, id, { includeDeleted: true, purgeDue: true }))
		if (!due) return
		const byBucket = new Map<GenerationOutput['bucket'], string[]>()
		for (const o of due.outputs) byBucket.set(o.bucket, [...(byBucket.get(o.bucket) ?? []), ...outputKeys([o])])
		// A storage failure throws: the job is tried again later, with the row (and its list of files) still there.
		for (const [bucket, keys] of byBucket) await storage.remove(bucket, keys)
		await db.privileged(tx =>
			tx.query(`delete from public.generations where id = $1 and ${windowPassed('deleted_at')}`, [id]),
		)
	}

	return { create, cancel, retry, vary, upscale, remove, restore, purge, finishedImage }
}
