/**
 * Transcription: a recording (an upload, or audio or video from the library) becomes timed segments by a job.
 * Create checks the model, the file (size from config, kind from its bytes: audio or video), the owner of a
 * library pick and the budget, then stores the row and the job in one transaction. The job cuts the sound into
 * chunks under the model's limit (server/media/join-audio.ts), transcribes each, shifts each chunk's segments by
 * its start (stitched timestamps), and reports progress as it goes. Users act through `db.asUser` (row-level
 * security applies); the worker is the privileged path, and says so.
 */
import * as v from 'valibot'
import type { Config } from '#server/config.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { chunkAudio } from '#server/media/join-audio.ts'
import { PLAIN_TRANSCRIBE_OPTIONS, computeCostMicros } from '#server/providers/catalogue.ts'
import { sniffAudio } from '#server/providers/media.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError, type TranscriptSegment } from '#server/providers/types.ts'
import { StorageError } from '#server/storage/errors.ts'
import type { Bucket, Storage } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import { resolveModel } from '../models/resolve.ts'
import { failureMessage } from '../provider-failures.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { checkBudget, recordUsage } from '../usage/index.ts'
import type { TranscribeInput } from './schema.ts'

export { EditSegmentSchema, TranscribeSchema } from './schema.ts'

export type TranscriptStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled'

export type Transcript = {
	id: string
	userId: string
	status: TranscriptStatus
	model: string
	name: string
	bucket: Bucket
	key: string
	contentType: string
	size: number
	sourceGenerationId: string | null
	language: string | null
	duration: number | null
	progress: number
	segments: TranscriptSegment[]
	error: string | null
	costMicros: number
	createdAt: Date
	completedAt: Date | null
}

type Row = {
	id: string
	user_id: string
	status: TranscriptStatus
	provider: string
	model: string
	name: string
	bucket: Bucket
	key: string
	content_type: string
	size: string | number
	source_generation_id: string | null
	language: string | null
	duration: number | null
	progress: number
	segments: unknown
	error: string | null
	cost_micros: string | number
	created_at: Date
	completed_at: Date | null
}

const COLUMNS = `id, user_id, status, provider, model, name, bucket, key, content_type, size, source_generation_id,
	language, duration, progress, segments, error, cost_micros, created_at, completed_at`

const SegmentsSchema = v.array(v.object({ start: v.number(), end: v.number(), text: v.string() }))

function toTranscript(row: Row): Transcript {
	const segments = v.safeParse(SegmentsSchema, row.segments)
	return {
		id: row.id,
		userId: row.user_id,
		status: row.status,
		model: row.model,
		name: row.name,
		bucket: row.bucket,
		key: row.key,
		contentType: row.content_type,
		size: Number(row.size),
		sourceGenerationId: row.source_generation_id,
		language: row.language,
		duration: row.duration === null ? null : Number(row.duration),
		progress: Number(row.progress),
		segments: segments.success ? segments.output : [],
		error: row.error,
		costMicros: Number(row.cost_micros),
		createdAt: row.created_at,
		completedAt: row.completed_at,
	}
}

export const TranscriptJobSchema = v.looseObject({ transcriptId: v.pipe(v.string(), v.uuid()) })
type TranscriptJob = v.InferOutput<typeof TranscriptJobSchema>

export type UploadedRecording = { name: string; data: Uint8Array }

export function createTranscripts(deps: {
	config: Pick<Config, 'monthlyBudgetUsd' | 'transcribeMaxBytes'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
}) {
	const { config, db, jobs, providers, storage } = deps

	/** A library item of the user's as the recording: its first audio or video output. */
	async function libraryRecording(tx: Tx, generationId: string) {
		const { rows } = await tx.query<{ prompt: string; status: string; outputs: unknown }>(
			`select prompt, status, outputs from public.generations where id = $1 and deleted_at is null`,
			[generationId],
		)
		const row = rows[0]
		if (!row) return null
		const outputs = Array.isArray(row.outputs) ? (row.outputs as Array<Record<string, unknown>>) : []
		const media = outputs.find(o => o.kind === 'audio' || o.kind === 'video')
		if (row.status !== 'succeeded' || !media) return 'unusable' as const
		return {
			name: row.prompt.slice(0, 200),
			bucket: media.bucket as Bucket,
			key: String(media.key),
			contentType: String(media.contentType),
			size: Number(media.size),
		}
	}

	/**
	 * Model -> file (stored and sniffed, or the user's library item) -> budget -> [row + job]. A refused upload
	 * leaves no file behind.
	 */
	async function create(
		actor: Actor,
		input: TranscribeInput,
		upload: UploadedRecording | null,
	): Promise<Transcript | Refusal> {
		const model = resolveModel(providers, input.model, 'transcribe')
		if ('refused' in model) return model
		if (!upload && !input.generationId) {
			return refuse(400, 'invalid_request', 'Choose a recording to upload, or one from your library.', {
				fields: { file: ['Choose a recording to upload, or one from your library.'] },
			})
		}
		let file: { name: string; bucket: Bucket; key: string; contentType: string; size: number }
		let uploaded = false
		if (upload) {
			if (upload.data.length > config.transcribeMaxBytes) {
				const mb = Math.round(config.transcribeMaxBytes / (1024 * 1024))
				return refuse(413, 'too_large', `A recording can be at most ${mb} MB.`, {
					fields: { file: [`A recording can be at most ${mb} MB.`] },
				})
			}
			try {
				const saved = await storage.put({ bucket: 'media', userId: actor.id, data: upload.data, filename: upload.name })
				if (saved.kind !== 'audio' && saved.kind !== 'video') {
					await storage.remove('media', [saved.key])
					return refuse(415, 'unsupported_type', 'That file is not audio or video.', {
						fields: { file: ['That file is not audio or video.'] },
					})
				}
				file = {
					name: upload.name.slice(0, 500),
					bucket: 'media',
					key: saved.key,
					contentType: saved.contentType,
					size: saved.size,
				}
				uploaded = true
			} catch (error) {
				if (error instanceof StorageError && (error.status === 413 || error.status === 415 || error.status === 400)) {
					const status: 400 | 413 | 415 = error.status
					const message = status === 415 ? 'That file is not audio or video.' : error.message
					return refuse(status, status === 415 ? 'unsupported_type' : 'invalid_upload', message, {
						fields: { file: [message] },
					})
				}
				throw error
			}
		} else {
			const found = await db.asUser(actor.id, tx => libraryRecording(tx, input.generationId ?? ''))
			if (!found) return notFound('That recording')
			if (found === 'unusable') {
				return refuse(400, 'invalid_request', 'That item has no finished audio or video to transcribe.', {
					fields: { generationId: ['That item has no finished audio or video to transcribe.'] },
				})
			}
			file = found
		}
		// A WAV says how long it is; other formats are priced when the job has decoded them.
		const seconds = uploaded && upload ? (sniffAudio(upload.data)?.durationSeconds ?? 0) : 0
		const estimate = computeCostMicros(model, { unit: 'seconds', units: seconds })
		const outcome = await db.asUser(actor.id, async (tx): Promise<Transcript | Refusal> => {
			const overBudget = await checkBudget(tx, actor.id, estimate, config.monthlyBudgetUsd)
			if (overBudget) return overBudget
			const { rows } = await tx.query<Row>(
				`insert into public.transcripts
					(user_id, provider, model, name, bucket, key, content_type, size, source_generation_id, language)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${COLUMNS}`,
				[
					actor.id,
					model.provider,
					model.id,
					file.name,
					file.bucket,
					file.key,
					file.contentType,
					file.size,
					upload ? null : (input.generationId ?? null),
					input.language || null,
				],
			)
			const transcript = toTranscript(rows[0] as Row)
			await jobs.enqueue(tx, 'transcript.run', { transcriptId: transcript.id })
			return transcript
		})
		if ('refused' in outcome && uploaded) await storage.remove('media', [file.key])
		// Committed: this process's worker starts it now rather than at its next poll.
		if (!('refused' in outcome)) jobs.wake('transcript.run')
		return outcome
	}

	async function get(actor: Actor, id: string): Promise<Transcript | Refusal> {
		const row = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(`select ${COLUMNS} from public.transcripts where id = $1`, [
				isUuid(id) ? id : null,
			])
			return rows[0]
		})
		return row ? toTranscript(row) : notFound('That transcript')
	}

	async function list(actor: Actor, limit = 20): Promise<Transcript[]> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.transcripts where user_id = $1 order by created_at desc limit $2`,
				[actor.id, limit],
			)
			return rows.map(toTranscript)
		})
	}

	/** A segment's text corrected by its owner; its times stay. */
	async function editSegment(actor: Actor, id: string, index: number, text: string): Promise<Transcript | Refusal> {
		const current = await get(actor, id)
		if ('refused' in current) return current
		if (current.status !== 'succeeded') return refuse(409, 'not_ready', 'This transcript is not finished yet.')
		const segment = current.segments[index]
		if (!segment)
			return refuse(400, 'invalid_request', 'That segment does not exist.', {
				fields: { index: ['That segment does not exist.'] },
			})
		if (!text)
			return refuse(400, 'invalid_request', 'A segment needs some text.', {
				fields: { text: ['A segment needs some text.'] },
			})
		const segments = current.segments.map((s, i) => (i === index ? { ...s, text } : s))
		await db.asUser(actor.id, tx =>
			tx.query('update public.transcripts set segments = $2 where id = $1', [id, JSON.stringify(segments)]),
		)
		return { ...current, segments }
	}

	/** Deletes the transcript, and the uploaded file with it (a library item's file stays with the item). */
	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		const current = await get(actor, id)
		if ('refused' in current) return current
		await db.asUser(actor.id, tx => tx.query('delete from public.transcripts where id = $1', [id]))
		if (!current.sourceGenerationId) await storage.remove(current.bucket, [current.key]).catch(() => undefined)
		return true
	}

	async function readAll(bucket: Bucket, key: string): Promise<Uint8Array> {
		const file = await storage.get(bucket, key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		return new Uint8Array(Buffer.concat(chunks))
	}

	/** Privileged: the worker's writes to a transcript it is running. */
	const update = (id: string, sql: string, values: unknown[]) =>
		db.privileged(tx => tx.query(`update public.transcripts set ${sql} where id = $1`, [id, ...values]))

	/** The worker for `transcript.run`. Safe to run again: a finished transcript is left alone. */
	async function run(job: Job<TranscriptJob>): Promise<void> {
		const transcript = await db.privileged(async tx => {
			const { rows } = await tx.query<Row>(
				`update public.transcripts set status = 'running', started_at = coalesce(started_at, now()), progress = 0
				 where id = $1 and status in ('queued', 'running') returning ${COLUMNS}`,
				[job.data.transcriptId],
			)
			return rows[0] ? toTranscript(rows[0]) : null
		})
		if (!transcript) return
		const fail = async (message: string) => {
			job.markFailed(message)
			await update(transcript.id, `status = 'failed', error = $2, completed_at = now()`, [message])
		}
		const model = providers.model(transcript.model)
		if (!model) return fail('That model is no longer offered on this server.')
		const options = model.transcribe ?? PLAIN_TRANSCRIBE_OPTIONS
		let chunks: Awaited<ReturnType<typeof chunkAudio>>
		try {
			chunks = await chunkAudio(await readAll(transcript.bucket, transcript.key), options.chunkSeconds)
		} catch (error) {
			logger.warn('transcript: no sound read', { transcriptId: transcript.id, error })
			return fail('We could not read any sound from that file. Try another recording.')
		}
		const duration = chunks.reduce((sum, c) => sum + c.duration, 0)
		const segments: TranscriptSegment[] = []
		let costMicros = 0
		let seconds = 0
		let language = transcript.language
		try {
			for (const [i, chunk] of chunks.entries()) {
				const result = await providers.transcribe(model.id).run({
					audio: { data: chunk.data, contentType: 'audio/wav', filename: `chunk-${i + 1}.wav` },
					durationSeconds: chunk.duration,
					...(transcript.language ? { language: transcript.language } : {}),
				})
				costMicros += result.costMicros
				seconds += result.usage.units ?? chunk.duration
				language ??= result.language ?? null
				// Stitched: each chunk's times are shifted by where the chunk starts, and kept inside it.
				const parts = result.segments?.length ? result.segments : [{ start: 0, end: chunk.duration, text: result.text }]
				for (const s of parts) {
					const text = s.text.trim()
					if (!text) continue
					const start = chunk.start + Math.min(Math.max(0, s.start), chunk.duration)
					const end = chunk.start + Math.min(Math.max(s.start, s.end), chunk.duration)
					segments.push({ start: round(start), end: round(end), text })
				}
				const progressed = await db.privileged(tx =>
					tx.query(`update public.transcripts set progress = $2 where id = $1 and status = 'running'`, [
						transcript.id,
						(i + 1) / chunks.length,
					]),
				)
				if (progressed.rowCount === 0) return // canceled or deleted meanwhile
			}
		} catch (error) {
			if (isProviderError(error) || job.isLastAttempt) {
				logger.warn('transcript failed', { transcriptId: transcript.id, error })
				return fail(failureMessage(error, 'generation'))
			}
			throw error
		}
		await db.privileged(async tx => {
			const { rowCount } = await tx.query(
				`update public.transcripts
				 set status = 'succeeded', segments = $2, duration = $3, language = $4, cost_micros = $5, progress = 1,
					error = null, completed_at = now()
				 where id = $1 and status = 'running'`,
				[transcript.id, JSON.stringify(segments), duration, language, costMicros],
			)
			if (rowCount === 0) return
			await recordUsage(tx, {
				userId: transcript.userId,
				provider: model.provider,
				model: model.id,
				capability: 'transcribe',
				usage: { unit: 'seconds', units: seconds },
				costMicros,
			})
		})
	}

	return {
		create,
		get,
		list,
		editSegment,
		remove,
		run,
		async startWorkers() {
			await jobs.work('transcript.run', run, { data: TranscriptJobSchema, batchSize: 1, pollingIntervalSeconds: 0.5 })
		},
	}
}

const round = (n: number) => Math.round(n * 1000) / 1000

export type Transcripts = ReturnType<typeof createTranscripts>
