/**
 * The generation lifecycle: create (validated input, budget, idempotency, then row + job in one
 * transaction), run (worker: provider call with retries, outputs copied into our storage, usage recorded),
 * completion of long predictions by webhook or polling, and cancel / retry / delete.
 *
 * Users act through `db.asUser` (row-level security applies); the worker, the poller and webhooks are the
 * only privileged paths, and say so.
 */
import crypto from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { GenerationKind, GenerationRequest, GenerationStatus } from '#app/schemas/generation.ts'
import type { Config } from '#server/config.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import type { ModelInfo } from '#server/providers/catalogue.ts'
import { computeCostMicros } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { MediaOutput, PredictionState, ProviderName, Usage } from '#server/providers/types.ts'
import { isProviderError } from '#server/providers/types.ts'
import type { Storage, StoredObject } from '#server/storage/index.ts'
import { notFound, refuse } from '../refusal.ts'
import type { Refusal } from '../refusal.ts'
import { checkBudget, recordUsage } from '../usage/index.ts'
import type { UsageCapability } from '../usage/index.ts'

export type Actor = { id: string }

export type GenerationOutput = Pick<StoredObject, 'bucket' | 'key' | 'contentType' | 'kind' | 'size'>

export type Generation = {
	id: string
	userId: string
	kind: GenerationKind | 'text'
	status: GenerationStatus
	provider: ProviderName
	model: string
	prompt: string
	params: Record<string, unknown>
	outputs: GenerationOutput[]
	error: string | null
	costMicros: number
	predictionId: string | null
	createdAt: Date
	startedAt: Date | null
	completedAt: Date | null
}

/** An output as a page or API client sees it: a URL that works without a session until it expires. */
export type ViewableOutput = GenerationOutput & { url: string }

export type FetchedOutput = { data: Uint8Array; contentType: string | null }
export type OutputFetcher = (url: string, signal?: AbortSignal) => Promise<FetchedOutput>

export type GenerationsDeps = {
	config: Pick<Config, 'monthlyBudgetUsd'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
	fetchOutput: OutputFetcher
	/** In-call retries of a provider error that says "try again" (429, 5xx), before the attempt gives up. */
	providerRetries?: { attempts: number; baseDelayMs: number; maxDelayMs: number }
	/** How long to wait between polls of a long prediction when no webhook arrives. */
	pollIntervalSeconds?: number
}

type Row = {
	id: string
	user_id: string
	kind: Generation['kind']
	status: GenerationStatus
	provider: ProviderName
	model: string
	prompt: string
	params: Record<string, unknown>
	outputs: GenerationOutput[]
	error: string | null
	cost_micros: number | string
	prediction_id: string | null
	created_at: Date
	started_at: Date | null
	completed_at: Date | null
}

const COLUMNS = `id, user_id, kind, status, provider, model, prompt, params, outputs, error, cost_micros, prediction_id,
	created_at, started_at, completed_at`

function toGeneration(row: Row): Generation {
	return {
		id: row.id,
		userId: row.user_id,
		kind: row.kind,
		status: row.status,
		provider: row.provider,
		model: row.model,
		prompt: row.prompt,
		params: row.params,
		outputs: row.outputs,
		error: row.error,
		costMicros: Number(row.cost_micros),
		predictionId: row.prediction_id,
		createdAt: row.created_at,
		startedAt: row.started_at,
		completedAt: row.completed_at,
	}
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isPending = (status: GenerationStatus) =>
	status === 'queued' || status === 'running' || status === 'processing'

type RunData = { generationId: string; traceparent?: string }

/** What a request asks the provider for, derived once from the validated request. */
function capabilityOf(request: GenerationRequest): 'image' | 'video' | 'speech' | 'music' {
	if (request.kind === 'audio') return request.mode === 'music' ? 'music' : 'speech'
	return request.kind
}

const USAGE_CAPABILITY: Record<ReturnType<typeof capabilityOf>, UsageCapability> = {
	image: 'image',
	video: 'video',
	speech: 'speech',
	music: 'music',
}

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

function sleep(ms: number) {
	return new Promise(resolve => setTimeout(resolve, ms))
}

/** A failure message a person can act on, never a stack trace or a vendor's internals. */
function failureMessage(error: unknown): string {
	if (isProviderError(error)) return error.message
	return 'The generation failed on our side. Try again; if it keeps failing, tell an administrator.'
}

export function createGenerations(deps: GenerationsDeps) {
	const { db, jobs, providers, storage } = deps
	const retries = deps.providerRetries ?? { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 }
	const pollIntervalSeconds = deps.pollIntervalSeconds ?? 5
	/** Status changes in this process; SSE streams listen here and also re-read the row now and then. */
	const events = new EventEmitter()
	events.setMaxListeners(0)
	const announce = (generation: Pick<Generation, 'id' | 'status'>) => events.emit(generation.id, generation.status)

	async function load(tx: Tx, id: string): Promise<Generation | null> {
		if (!UUID.test(id)) return null
		const { rows } = await tx.query<Row>(`select ${COLUMNS} from public.generations where id = $1`, [id])
		return rows[0] ? toGeneration(rows[0]) : null
	}

	function resolveModel(request: GenerationRequest): ModelInfo | Refusal {
		const capability = capabilityOf(request)
		const model = request.model ? providers.model(request.model) : providers.defaultModel(capability)
		if (!model)
			return refuse(400, 'invalid_model', `There is no model called ${request.model}.`, {
				fields: { model: ['Pick a model from the list.'] },
			})
		if (!model.capabilities.includes(capability)) {
			return refuse(400, 'invalid_model', `${model.displayName} cannot do that; pick another model.`, {
				fields: { model: [`${model.displayName} cannot do that.`] },
			})
		}
		if (!providers.isConfigured(model.provider)) {
			return refuse(400, 'model_unavailable', `${model.displayName} is not set up on this server.`, {
				fields: { model: ['Not available on this server.'] },
			})
		}
		return model
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
		const model = resolveModel(request)
		if ('refused' in model) return model
		const key = options.idempotencyKey ?? null
		const hash = requestHash(request)
		const { kind, prompt, model: _model, ...params } = request
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
						const existing = first?.result_id ? await load(tx, first.result_id) : null
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
						kind,
						model.provider,
						model.id,
						prompt,
						JSON.stringify({ ...params, capability: capabilityOf(request) }),
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
		const generation = await db.asUser(actor.id, tx => load(tx, id))
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
				[UUID.test(id) ? id : null],
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
		const { capability: _capability, ...params } = original.params
		const request = {
			kind: original.kind,
			prompt: original.prompt,
			model: original.model,
			...params,
		} as GenerationRequest
		return create(actor, request)
	}

	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		const deleted = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(`delete from public.generations where id = $1 returning ${COLUMNS}`, [
				UUID.test(id) ? id : null,
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

	/** Calls the provider, retrying errors that say "try again" with exponential backoff (honouring Retry-After). */
	async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await fn()
			} catch (error) {
				if (!isProviderError(error) || !error.retryable || attempt >= retries.attempts) throw error
				const backoff = retries.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5)
				const wait = Math.min(retries.maxDelayMs, Math.max(backoff, (error.retryAfterSeconds ?? 0) * 1000))
				logger.warn('provider asked us to retry', { code: error.code, attempt, wait_ms: Math.round(wait) })
				await sleep(wait)
			}
		}
	}

	async function storeOutputs(userId: string, outputs: MediaOutput[]): Promise<GenerationOutput[]> {
		const stored: GenerationOutput[] = []
		for (const output of outputs) {
			const bytes =
				output.kind === 'bytes'
					? { data: output.data, contentType: output.contentType }
					: await deps.fetchOutput(output.url)
			const saved = await storage.put({ bucket: 'media', userId, data: bytes.data, contentType: bytes.contentType })
			stored.push({
				bucket: saved.bucket,
				key: saved.key,
				contentType: saved.contentType,
				kind: saved.kind,
				size: saved.size,
			})
		}
		return stored
	}

	/** Marks a generation done, with its outputs and one usage row, unless something else already finished it. */
	async function finish(
		generation: Generation,
		result: { outputs: GenerationOutput[]; usage: Usage; costMicros: number },
	): Promise<boolean> {
		const done = await db.privileged(async tx => {
			const { rowCount } = await tx.query(
				`update public.generations
				 set status = 'succeeded', outputs = $2, cost_micros = $3, error = null, completed_at = now()
				 where id = $1 and status in ('queued', 'running', 'processing')`,
				[generation.id, JSON.stringify(result.outputs), result.costMicros],
			)
			if (rowCount === 0) return false
			await recordUsage(tx, {
				userId: generation.userId,
				provider: generation.provider,
				model: generation.model,
				capability: USAGE_CAPABILITY[(generation.params.capability as ReturnType<typeof capabilityOf>) ?? 'image'],
				usage: result.usage,
				costMicros: result.costMicros,
				generationId: generation.id,
			})
			return true
		})
		if (done) announce({ id: generation.id, status: 'succeeded' })
		else if (result.outputs.length > 0) {
			// Canceled (or finished elsewhere) meanwhile: keep no orphaned files.
			await storage.remove(
				'media',
				result.outputs.map(o => o.key),
			)
		}
		return done
	}

	async function fail(generationId: string, message: string) {
		const { rowCount } = await db.privileged(tx =>
			tx.query(
				`update public.generations set status = 'failed', error = $2, completed_at = now()
				 where id = $1 and status in ('queued', 'running', 'processing')`,
				[generationId, message],
			),
		)
		if (rowCount > 0) announce({ id: generationId, status: 'failed' })
	}

	/** The worker for `generation.run`. Safe to run again after a crash: finished generations are left alone. */
	async function run(job: Job<RunData>): Promise<void> {
		const generation = await db.privileged(async tx => {
			const { rows } = await tx.query<Row>(
				`update public.generations set status = 'running', started_at = coalesce(started_at, now())
				 where id = $1 and status in ('queued', 'running') returning ${COLUMNS}`,
				[job.data.generationId],
			)
			return rows[0] ? toGeneration(rows[0]) : null
		})
		if (!generation) return // canceled, deleted or already finished: nothing to do, nothing twice
		announce(generation)
		const model = providers.model(generation.model)
		if (!model) return fail(generation.id, 'That model is no longer offered on this server.')
		const params = generation.params
		const capability = params.capability as ReturnType<typeof capabilityOf>
		try {
			if (capability === 'image') {
				const result = await withRetries(() =>
					providers.image(model.id).run({
						prompt: generation.prompt,
						size: (params.size as `${number}x${number}` | undefined) ?? '1024x1024',
						n: Number(params.n ?? 1),
						...(params.seed !== undefined ? { seed: Number(params.seed) } : {}),
						...(params.negativePrompt ? { negativePrompt: String(params.negativePrompt) } : {}),
					}),
				)
				await finish(generation, {
					outputs: await storeOutputs(generation.userId, result.outputs),
					usage: result.usage,
					costMicros: result.costMicros,
				})
			} else if (capability === 'speech') {
				const result = await withRetries(() =>
					providers
						.speech(model.id)
						.run({ text: generation.prompt, ...(params.voice ? { voice: String(params.voice) } : {}) }),
				)
				await finish(generation, {
					outputs: await storeOutputs(generation.userId, result.outputs),
					usage: result.usage,
					costMicros: result.costMicros,
				})
			} else {
				const call =
					capability === 'video'
						? () =>
								providers.video(model.id).run({
									prompt: generation.prompt,
									durationSeconds: Number(params.durationSeconds ?? 5),
									...(params.seed !== undefined ? { seed: Number(params.seed) } : {}),
								})
						: () =>
								providers.music(model.id).run({
									prompt: generation.prompt,
									durationSeconds: Number(params.durationSeconds ?? 8),
									...(params.seed !== undefined ? { seed: Number(params.seed) } : {}),
								})
				const result = await withRetries(call)
				if (result.status === 'succeeded') {
					await finish(generation, {
						outputs: await storeOutputs(generation.userId, result.outputs),
						usage: result.usage,
						costMicros: result.costMicros,
					})
				} else {
					await db.privileged(async tx => {
						await tx.query(
							`update public.generations set status = 'processing', prediction_id = $2
							 where id = $1 and status in ('queued', 'running')`,
							[generation.id, result.predictionId],
						)
						// The webhook usually completes it; polling is the fallback when none arrives.
						await jobs.enqueue(
							tx,
							'generation.poll',
							{ generationId: generation.id },
							{ startAfterSeconds: pollIntervalSeconds },
						)
					})
					announce({ id: generation.id, status: 'processing' })
				}
			}
		} catch (error) {
			// Provider errors are final here (they were already retried with backoff); anything else is ours: let
			// the job engine retry it, and only the last attempt marks the generation failed.
			if (isProviderError(error) || job.isLastAttempt) {
				logger.warn('generation failed', { generationId: generation.id, error })
				await fail(generation.id, failureMessage(error))
				return
			}
			throw error
		}
	}

	/** Applies a prediction's state, from a verified webhook or a poll. Replays and late deliveries change nothing. */
	async function applyPrediction(
		provider: ProviderName,
		state: PredictionState & { costMicros?: number },
	): Promise<void> {
		const generation = await db.privileged(async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations where provider = $1 and prediction_id = $2`,
				[provider, state.id],
			)
			return rows[0] ? toGeneration(rows[0]) : null
		})
		if (!generation || !isPending(generation.status)) return
		if (state.status === 'succeeded') {
			const usage = state.usage ?? { unit: 'seconds' as const, units: 0, estimated: true }
			const model = providers.model(generation.model)
			const costMicros = state.costMicros ?? (model ? computeCostMicros(model, usage) : 0)
			await finish(generation, {
				outputs: await storeOutputs(generation.userId, state.outputs ?? []),
				usage,
				costMicros,
			})
		} else if (state.status === 'failed' || state.status === 'canceled') {
			await fail(
				generation.id,
				state.error
					? failureMessage(state.error)
					: `The provider ${state.status === 'canceled' ? 'canceled' : 'could not finish'} this generation.`,
			)
		}
	}

	/** The worker for `generation.poll`: asks the provider, then polls again later while it is still working. */
	async function poll(job: Job<RunData>): Promise<void> {
		const generation = await db.privileged(tx => load(tx, job.data.generationId))
		if (!generation || !isPending(generation.status) || !generation.predictionId) return
		let state: PredictionState & { costMicros?: number }
		try {
			state = await withRetries(() => providers.predictions(generation.provider).get(generation.predictionId as string))
		} catch (error) {
			if (isProviderError(error) && !job.isLastAttempt) throw error // poll again with the job engine's backoff
			await fail(generation.id, failureMessage(error))
			return
		}
		if (state.status === 'starting' || state.status === 'processing') {
			await db.privileged(tx =>
				jobs.enqueue(
					tx,
					'generation.poll',
					{ generationId: generation.id },
					{ startAfterSeconds: pollIntervalSeconds },
				),
			)
			return
		}
		await applyPrediction(generation.provider, state)
	}

	/** Resolves when the generation changes status (or after `timeoutMs`), for live updates. */
	function waitForChange(id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		return new Promise(resolve => {
			const done = () => {
				clearTimeout(timer)
				events.off(id, done)
				signal?.removeEventListener('abort', done)
				resolve()
			}
			const timer = setTimeout(done, timeoutMs)
			events.on(id, done)
			signal?.addEventListener('abort', done)
		})
	}

	return {
		create,
		get,
		list,
		withUrls,
		cancel,
		retry,
		remove,
		run,
		poll,
		applyPrediction,
		waitForChange,
		/** Registers the workers with the job engine (the web-only role skips this). */
		async startWorkers() {
			await jobs.work<RunData>('generation.run', run, { batchSize: 2, pollingIntervalSeconds: 0.5 })
			await jobs.work<RunData>('generation.poll', poll)
		},
	}
}

export type Generations = ReturnType<typeof createGenerations>
