/**
 * Generation rows: the shape a page or API client sees, the columns they are read from, and the request a
 * row was made from — read back through the same valibot schema that accepted it, so the worker and a retry
 * never trust jsonb by a cast.
 */
import * as v from 'valibot'
import {
	GenerationRequestSchema,
	RELATION_WORDS,
	type Relation,
	type GenerationKind,
	type GenerationRequest,
	type GenerationStatus,
} from './schema.ts'
import type { Tx } from '#server/db/index.ts'
import type { ProviderName } from '#server/providers/types.ts'
import type { StoredObject } from '#server/storage/index.ts'
import { isUuid, UuidSchema } from '#server/uuid.ts'
import { windowPassed } from '../undo/index.ts'

import type { UsageCapability } from '../usage/index.ts'

/** A small WebP copy of an image output, made once when it was stored (server/media/images.ts). */
export type StoredThumbnail = { key: string; width: number; height: number; size: number }

export type GenerationOutput = Pick<StoredObject, 'bucket' | 'key' | 'contentType' | 'kind' | 'size'> & {
	/** Images: the original's pixel size and its gallery copies, narrowest first (absent for older rows). */
	width?: number
	height?: number
	thumbnails?: StoredThumbnail[]
	/** Audio: its length in seconds and its waveform (server/media/audio.ts), made when it was stored. */
	duration?: number
	waveform?: StoredWaveform
}

/**
 * An audio output's waveform: the full peaks as a JSON file beside it (for the editor) and a short preview kept
 * in the row itself (for cards, drawn as SVG without reading another file).
 */
export type StoredWaveform = { key: string; size: number; preview: number[] }

/** Every stored file of a generation: the outputs, their thumbnails and waveform files. */
export function outputKeys(outputs: readonly GenerationOutput[]): string[] {
	return outputs.flatMap(o => [o.key, ...(o.thumbnails ?? []).map(t => t.key), ...(o.waveform ? [o.waveform.key] : [])])
}

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
	/** The generation this one was made from (a variation, an upscale, image to image), while it exists. */
	parentId: string | null
	createdAt: Date
	startedAt: Date | null
	completedAt: Date | null
}

/** An output as a page or API client sees it: URLs that work without a session until they expire. */
export type ViewableOutput = Omit<GenerationOutput, 'thumbnails'> & {
	url: string
	thumbnails?: Array<StoredThumbnail & { url: string }>
	/** Saves the original file (`Content-Disposition: attachment`), when asked for. */
	downloadUrl?: string
}

/** How a generation came from its parent, as stored in its params (absent for a fresh one). */
export function relationOf(generation: Pick<Generation, 'params'>): { relation?: Relation } {
	const relation = generation.params.relation
	return typeof relation === 'string' && relation in RELATION_WORDS ? { relation: relation as Relation } : {}
}

/** The data of a `generation.run` or `generation.poll` job: enqueued against this schema, read back through it. */
export const RunDataSchema = v.looseObject({ generationId: UuidSchema })
export type RunData = v.InferOutput<typeof RunDataSchema>

/** A `generations` row: the fields whose column has the same name as they are, the rest by their columns' names. */
export type Row = Pick<
	Generation,
	'id' | 'kind' | 'status' | 'provider' | 'model' | 'prompt' | 'params' | 'outputs' | 'error'
> & {
	user_id: string
	cost_micros: number | string
	prediction_id: string | null
	parent_id: string | null
	created_at: Date
	started_at: Date | null
	completed_at: Date | null
}

export const COLUMNS = `id, user_id, kind, status, provider, model, prompt, params, outputs, error, cost_micros, prediction_id,
	parent_id, created_at, started_at, completed_at`

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
		parentId: row.parent_id,
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
export function capabilityOf(
	request: GenerationRequest,
): 'image' | 'imageEdit' | 'upscale' | 'video' | 'speech' | 'music' {
	if (request.kind === 'audio') return request.mode === 'speech' ? 'speech' : 'music'
	if (request.kind === 'image' && request.operation === 'upscale') return 'upscale'
	if (request.kind === 'image' && request.operation === 'edit') return 'imageEdit'
	return request.kind
}

/** The usage ledger counts an upscale or an edit as an image made. */
export const USAGE_CAPABILITY: Record<ReturnType<typeof capabilityOf>, UsageCapability> = {
	image: 'image',
	imageEdit: 'image',
	upscale: 'image',
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
