/**
 * Generation rows: the shape a page or API client sees, the columns they are read from, and the request a
 * row was made from — read back through the same valibot schema that accepted it, so the worker and a retry
 * never trust jsonb by a cast.
 */
import * as v from 'valibot'
import {
	GenerationRequestSchema,
	type GenerationKind,
	type GenerationRequest,
	type GenerationStatus,
} from './schema.ts'
import type { Tx } from '#server/db/index.ts'
import type { ProviderName } from '#server/providers/types.ts'
import type { StoredObject } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import { windowPassed } from '../undo/index.ts'
import type { UsageCapability } from '../usage/index.ts'

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

/** The data of a `generation.run` or `generation.poll` job. */
export type RunData = { generationId: string; traceparent?: string }

export type Row = {
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

export const COLUMNS = `id, user_id, kind, status, provider, model, prompt, params, outputs, error, cost_micros, prediction_id,
	created_at, started_at, completed_at`

export function toGeneration(row: Row): Generation {
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

export const isPending = (status: GenerationStatus) =>
	status === 'queued' || status === 'running' || status === 'processing'

/**
 * A generation by id. One deleted and waiting for its purge only with `includeDeleted` (the worker), and with
 * `purgeDue` only one whose undo window is over (the purge job).
 */
export async function loadGeneration(
	tx: Tx,
	id: string,
	options: { includeDeleted?: boolean; purgeDue?: boolean } = {},
): Promise<Generation | null> {
	if (!isUuid(id)) return null
	const filter = options.purgeDue
		? ` and ${windowPassed('deleted_at')}`
		: options.includeDeleted
			? ''
			: ' and deleted_at is null'
	const { rows } = await tx.query<Row>(`select ${COLUMNS} from public.generations where id = $1${filter}`, [id])
	return rows[0] ? toGeneration(rows[0]) : null
}

/** What a request asks the provider for, derived once from the validated request. */
export function capabilityOf(request: GenerationRequest): 'image' | 'video' | 'speech' | 'music' {
	if (request.kind === 'audio') return request.mode === 'music' ? 'music' : 'speech'
	return request.kind
}

export const USAGE_CAPABILITY: Record<ReturnType<typeof capabilityOf>, UsageCapability> = {
	image: 'image',
	video: 'video',
	speech: 'speech',
	music: 'music',
}

/** The columns and jsonb params a request is stored as (`capability` is kept for queries over params). */
export function storedParams(request: GenerationRequest): Record<string, unknown> {
	const { kind: _kind, prompt: _prompt, model: _model, ...params } = request
	return { ...params, capability: capabilityOf(request) }
}

/**
 * The request a row was created from, parsed with the schema that accepted it; null when the stored params
 * no longer pass it (a row from before a schema change), which callers report instead of guessing.
 */
export function requestOf(
	generation: Pick<Generation, 'kind' | 'prompt' | 'model' | 'params'>,
): GenerationRequest | null {
	const { capability: _capability, ...params } = generation.params
	const parsed = v.safeParse(GenerationRequestSchema, {
		...params,
		kind: generation.kind,
		prompt: generation.prompt,
		model: generation.model,
	})
	return parsed.success ? parsed.output : null
}
