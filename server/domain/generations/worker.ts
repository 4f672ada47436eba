/**
 * The generation workers: `generation.run` calls the provider (retrying what says "try again"), copies the
 * outputs into our storage and records the usage; long predictions wait in `processing` until a verified
 * webhook or `generation.poll` completes them. These are the privileged paths (`db.privileged`), and say so.
 * Every job is safe to run again after a crash: finished generations are left alone.
 */
import { isDatabaseUnavailable } from '#server/db/index.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { computeCostMicros } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { MediaOutput, PredictionState, ProviderName, Usage } from '#server/providers/types.ts'
import { isProviderError } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import { captureTraceContext, continueTrace } from '#server/trace-context.ts'
import { failureMessage } from '../provider-failures.ts'
import { recordUsage, type UsageCapability } from '../usage/index.ts'
import { readMask, readSource } from './images.ts'
import { createOutputStore, type OutputFetcher } from './outputs.ts'
import { createProviderCalls, NO_USABLE_OUTPUT } from './provider-calls.ts'
import {
	COLUMNS,
	USAGE_CAPABILITY,
	capabilityOf,
	isPending,
	loadGeneration,
	outputKeys,
	requestOf,
	toGeneration,
	type Generation,
	type GenerationOutput,
	type Row,
	type RunData,
} from './rows.ts'

/** What the worker says when a row's stored request no longer passes the schema that accepted it. */
const OUTDATED_REQUEST = 'This generation’s settings are no longer accepted; start a new one from the form.'

export function createWorker(deps: {
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
	fetchOutput: OutputFetcher
	/** In-call retries of a provider error that says "try again" (429, 5xx), before the attempt gives up. */
	providerRetries: { attempts: number; baseDelayMs: number; maxDelayMs: number }
	/** How long to wait between polls of a long prediction when no webhook arrives. */
	pollIntervalSeconds: number
	/** Tells this process's live views that a generation changed status. */
	announce: (generation: Pick<Generation, 'id' | 'status'>) => void
}) {
	const { db, jobs, providers, storage, announce, pollIntervalSeconds } = deps
	const { storeOutputs } = createOutputStore(deps)
	const { withRetries, speak } = createProviderCalls(deps)

	/** Asks the provider about a long prediction again after the poll interval (`generation.poll`). */
	function schedulePoll(tx: Tx, generationId: string) {
		return jobs.enqueue<RunData>(tx, 'generation.poll', { generationId }, { startAfterSeconds: pollIntervalSeconds })
	}

	/** Marks a generation done, with its outputs and one usage row, unless something else already finished it. */
	async function finish(
		generation: Generation,
		result: { outputs: GenerationOutput[]; usage: Usage; costMicros: number; capability: UsageCapability },
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
				capability: result.capability,
				usage: result.usage,
				costMicros: result.costMicros,
				generationId: generation.id,
			})
			return true
		})
		if (done) announce({ id: generation.id, status: 'succeeded' })
		else if (result.outputs.length > 0) {
			// Canceled (or finished elsewhere) meanwhile: keep no orphaned files.
			await storage.remove('media', outputKeys(result.outputs))
		}
		return done
	}

	/** Marks a generation failed; the job that found out (if any) says so on its span. */
	async function fail(generationId: string, message: string, job?: Job<RunData>) {
		job?.markFailed(message)
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
		if (!model) return fail(generation.id, 'That model is no longer offered on this server.', job)
		const request = requestOf(generation)
		if (!request) {
			logger.warn('generation request no longer passes its schema', { generationId: generation.id })
			return fail(generation.id, OUTDATED_REQUEST, job)
		}
		const capability = USAGE_CAPABILITY[capabilityOf(request)]
		/** Outputs copied into our storage, then the generation marked done with its usage. */
		const succeed = async (result: { outputs: MediaOutput[]; usage: Usage; costMicros: number }) =>
			finish(generation, {
				outputs: await storeOutputs(generation.userId, result.outputs),
				usage: result.usage,
				costMicros: result.costMicros,
				capability,
			})
		const { prompt } = request
		try {
			if (request.kind === 'image') {
				const image = await readSource(db, storage, generation.userId, request)
				if (request.sourceId && !image) {
					return fail(generation.id, 'The source image was deleted before this could start.', job)
				}
				if (request.operation === 'edit' && image) {
					const mask = await readMask(storage, generation.userId, request.maskKey, model.provider)
					if (!mask) return fail(generation.id, 'The mask of this edit is gone; paint or upload it again.', job)
					const edited = await withRetries(() =>
						providers.imageEdit(model.id).run({
							image,
							mask,
							prompt,
							n: 1,
							...(request.seed !== undefined ? { seed: request.seed } : {}),
						}),
					)
					await succeed(edited)
					return
				}
				const result = await withRetries(() =>
					request.operation === 'upscale' && image
						? providers.upscale(model.id).run({ image, ...(request.scale ? { scale: request.scale } : {}) })
						: providers.image(model.id).run({
								prompt,
								size: request.size,
								n: request.n,
								...(request.seed !== undefined ? { seed: request.seed } : {}),
								...(request.negativePrompt ? { negativePrompt: request.negativePrompt } : {}),
								...(request.quality ? { quality: request.quality } : {}),
								...(request.style ? { style: request.style } : {}),
								...(image ? { image, strength: request.strength ?? 0.6 } : {}),
							}),
				)
				await succeed(result)
			} else if (request.kind === 'audio' && request.mode === 'speech') {
				await succeed(await speak(model, request))
			} else {
				const image = request.kind === 'video' ? await readSource(db, storage, generation.userId, request) : null
				if (request.kind === 'video' && request.sourceId && !image) {
					return fail(generation.id, 'The source image was deleted before this could start.', job)
				}
				const input = {
					prompt,
					durationSeconds: request.durationSeconds ?? 5,
					...(request.seed !== undefined ? { seed: request.seed } : {}),
				}
				const call =
					request.kind === 'video'
						? () =>
								providers.video(model.id).run({
									...input,
									...(request.aspect ? { aspect: request.aspect } : {}),
									...(request.resolution ? { resolution: request.resolution } : {}),
									...(image ? { image } : {}),
								})
						: () => providers.music(model.id).run({ ...input, sound: request.mode === 'effects' ? 'effects' : 'music' })
				const result = await withRetries(call)
				if (result.status === 'succeeded') {
					await succeed(result)
				} else {
					await db.privileged(async tx => {
						// The completion arrives later, as a request of its own: it continues this trace.
						await tx.query(
							`update public.generations set status = 'processing', prediction_id = $2, trace_context = $3
							 where id = $1 and status in ('queued', 'running')`,
							[generation.id, result.predictionId, captureTraceContext()],
						)
						// The webhook usually completes it; polling is the fallback when none arrives.
						await schedulePoll(tx, generation.id)
					})
					announce({ id: generation.id, status: 'processing' })
				}
			}
		} catch (error) {
			// Provider errors are final here (they were already retried with backoff); anything else is ours: let
			// the job engine retry it, and only the last attempt marks the generation failed. A database outage is
			// never final: the job engine runs the job again when the database is back.
			if (isProviderError(error) || (job.isLastAttempt && !isDatabaseUnavailable(error))) {
				logger.warn('generation failed', { generationId: generation.id, error })
				await fail(generation.id, failureMessage(error, 'generation'), job)
				return
			}
			throw error
		}
	}

	/**
	 * Applies a prediction's state, from a verified webhook or a poll. Replays and late deliveries change nothing.
	 * The work continues the trace that started the prediction, and its final cost is counted once, here.
	 */
	async function applyPrediction(
		provider: ProviderName,
		state: PredictionState & { costMicros?: number },
	): Promise<void> {
		const found = await db.privileged(async tx => {
			const { rows } = await tx.query<Row & { trace_context: string | null }>(
				`select ${COLUMNS}, trace_context from public.generations where provider = $1 and prediction_id = $2`,
				[provider, state.id],
			)
			return rows[0] ? { generation: toGeneration(rows[0]), traceContext: rows[0].trace_context } : null
		})
		if (!found || !isPending(found.generation.status)) return
		const { generation } = found
		const attributes = {
			'generation_studio.generation.id': generation.id,
			'generation_studio.prediction.id': state.id,
			'generation_studio.prediction.status': state.status,
			'gen_ai.provider.name': provider,
		}
		await continueTrace(found.traceContext, 'generation.complete', attributes, async work => {
			if (state.status === 'succeeded') {
				const request = requestOf(generation)
				if (!request) {
					work.failed(OUTDATED_REQUEST)
					return fail(generation.id, OUTDATED_REQUEST)
				}
				// "Succeeded" with nothing we can store is not a success a person can use.
				if (!state.outputs || state.outputs.length === 0) {
					work.failed(NO_USABLE_OUTPUT)
					return fail(generation.id, NO_USABLE_OUTPUT)
				}
				const usage = state.usage ?? { unit: 'seconds' as const, units: 0, estimated: true }
				const model = providers.model(generation.model)
				const costMicros = state.costMicros ?? (model ? computeCostMicros(model, usage) : 0)
				const capability = capabilityOf(request)
				const done = await finish(generation, {
					outputs: await storeOutputs(generation.userId, state.outputs ?? []),
					usage,
					costMicros,
					capability: USAGE_CAPABILITY[capability],
				})
				if (done) providers.recordPredictionCost(generation.model, capability, costMicros)
			} else if (state.status === 'failed' || state.status === 'canceled') {
				const message = state.error
					? failureMessage(state.error, 'generation')
					: `The provider ${state.status === 'canceled' ? 'canceled' : 'could not finish'} this generation.`
				work.failed(message)
				await fail(generation.id, message)
			}
		})
	}

	/** The worker for `generation.poll`: asks the provider, then polls again later while it is still working. */
	async function poll(job: Job<RunData>): Promise<void> {
		const generation = await db.privileged(tx => loadGeneration(tx, job.data.generationId, { includeDeleted: true }))
		if (!generation || !isPending(generation.status) || !generation.predictionId) return
		const predictionId = generation.predictionId
		let state: PredictionState & { costMicros?: number }
		try {
			state = await withRetries(() => providers.predictions(generation.provider).get(predictionId))
		} catch (error) {
			if (isProviderError(error) && !job.isLastAttempt) throw error // poll again with the job engine's backoff
			await fail(generation.id, failureMessage(error, 'generation'), job)
			return
		}
		if (state.status === 'starting' || state.status === 'processing') {
			await db.privileged(tx => schedulePoll(tx, generation.id))
			return
		}
		await applyPrediction(generation.provider, state)
	}

	return { run, poll, applyPrediction, storeOutputs }
}
