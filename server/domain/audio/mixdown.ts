/**
 * Mixdowns of audio projects. A mixdown is a generation (kind audio, model `offline:mixdown`) holding a snapshot
 * of the project's document and its id (`params.projectId`: the lineage both ways); the `audio.mixdown` job
 * decodes every audible clip with ffmpeg, sums them sample by sample and stores WAV and MP3 with their peaks.
 * A failed one can be tried again: a new mixdown of the same snapshot, the failed one stays in the list.
 */
import { randomUUID } from 'node:crypto'
import * as v from 'valibot'
import type { Db } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { rateLimitHeaders, rateLimitMessage } from '#server/limits/http.ts'
import type { Limits } from '#server/limits/index.ts'
import { logger } from '#server/logger.ts'
import { encodeWav, MIX_CHANNELS, MIX_SAMPLE_RATE, mixClips, wavToMp3 } from '#server/media/audio.ts'
import type { Storage } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import {
	COLUMNS,
	RunDataSchema,
	toGeneration,
	type Generation,
	type GenerationOutput,
	type Row,
} from '../generations/rows.ts'
import { refuse, type Refusal } from '../refusal.ts'
import type { AudioProject } from './project-store.ts'
import { soundsOf } from './project-store.ts'
import {
	ProjectDocumentSchema,
	clipLength,
	isAudible,
	soundKey,
	type Clip,
	type ProjectDocument,
} from './project-schema.ts'
import { newTrack } from './project-edits.ts'
import { storeWaveform } from './waveforms.ts'

/** A mixdown job's data: the generation it renders (the same shape as a generation's own jobs). */
export type MixdownData = v.InferOutput<typeof RunDataSchema>

/** The model a mixdown is recorded under: rendered here, by ffmpeg, at no provider cost. */
export const MIXDOWN_MODEL = 'offline:mixdown'

/** What the audio projects service (and its mixdowns) run on. */
export type AudioProjectsDeps = {
	db: Db
	jobs: Jobs
	storage: Storage
	limits: Pick<Limits, 'consume'>
	/** Tells live views that a generation changed status (the generations service's announcer). */
	announce: (generation: Pick<Generation, 'id' | 'status'>) => void
}

export function createMixdowns(
	deps: AudioProjectsDeps & {
		/** The user's project, or why not (./projects.ts). */
		get: (actor: Actor, id: string) => Promise<AudioProject | Refusal>
	},
) {
	const { db, jobs, storage } = deps

	/** Mixdowns of a project, newest first (the generations that name it as their source). */
	async function mixdowns(actor: Actor, id: string): Promise<Generation[]> {
		if (!isUuid(id)) return []
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations
				 where user_id = $1 and kind = 'audio' and model = $3 and params->>'projectId' = $2 and deleted_at is null
				 order by created_at desc limit 20`,
				[actor.id, id, MIXDOWN_MODEL],
			)
			return rows.map(toGeneration)
		})
	}

	/** Queues a mixdown of `document`: a generation row and its job in one transaction. */
	async function queue(
		actor: Actor,
		project: Pick<AudioProject, 'id' | 'name'>,
		document: ProjectDocument,
	): Promise<{ generation: Generation } | Refusal> {
		const audible = document.tracks.some(t => isAudible(document, t) && t.clips.length > 0)
		if (!audible) {
			return refuse(422, 'nothing_to_mix', 'Add a clip to a track that is not muted before mixing down.')
		}
		const limited = await deps.limits.consume('mixdown', { ip: '', userId: actor.id })
		if (!limited.allowed) {
			return refuse(429, 'rate_limited', rateLimitMessage(limited), { headers: rateLimitHeaders(limited) })
		}
		const params = { source: 'mixdown', projectId: project.id, projectName: project.name, document }
		const result = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`insert into public.generations (user_id, kind, provider, model, prompt, params)
				 values ($1, 'audio', 'offline', $2, $3, $4) returning ${COLUMNS}`,
				[actor.id, MIXDOWN_MODEL, `Mixdown of “${project.name}”`, JSON.stringify(params)],
			)
			const generation = toGeneration(rows[0] as Row)
			await jobs.enqueue(tx, 'audio.mixdown', { generationId: generation.id })
			return { generation }
		})
		// Committed: this process's mixdown worker fetches it now rather than at its next poll.
		jobs.wake('audio.mixdown')
		return result
	}

	/** A mixdown of the project as it is now. */
	async function mixdown(actor: Actor, id: string): Promise<{ generation: Generation } | Refusal> {
		const project = await deps.get(actor, id)
		if ('refused' in project) return project
		return queue(actor, project, project.document)
	}

	/** Tries a failed (or canceled) mixdown of this project again: a new mixdown of the same snapshot. */
	async function retry(
		actor: Actor,
		projectId: string,
		generationId: string,
	): Promise<{ generation: Generation } | Refusal> {
		const project = await deps.get(actor, projectId)
		if ('refused' in project) return project
		const failed = (await mixdowns(actor, project.id)).find(g => g.id === generationId)
		if (!failed) return refuse(404, 'not_found', 'That mixdown does not exist, or it is not of this project.')
		if (failed.status !== 'failed' && failed.status !== 'canceled') {
			return refuse(409, 'not_failed', 'Only a mixdown that failed can be tried again.')
		}
		const snapshot = v.safeParse(ProjectDocumentSchema, failed.params.document)
		// A snapshot that no longer reads (an older document format) is mixed from the project as it is now.
		return queue(actor, project, snapshot.success ? snapshot.output : project.document)
	}

	/**
	 * A mixdown of whole sounds, each on a track of its own from the start (a workflow's mix node): the user's
	 * first audio output of each generation in `sources`. One per `idempotencyKey`: asked again, it returns the
	 * mixdown already made or under way. Refused when a source is not the user's finished audio.
	 */
	async function mixSounds(
		userId: string,
		input: { name: string; sources: readonly string[]; idempotencyKey: string },
	): Promise<{ generation: Generation } | Refusal> {
		const result = await db.asUser(
			userId,
			async (tx): Promise<{ generation: Generation; fresh: boolean } | Refusal> => {
				const existing = await tx.query<Row>(
					`select ${COLUMNS} from public.generations where user_id = $1 and idempotency_key = $2`,
					[userId, input.idempotencyKey],
				)
				if (existing.rows[0]) return { generation: toGeneration(existing.rows[0]), fresh: false }
				const found = [...(await soundsOf(tx, userId, input.sources)).values()]
				const tracks = []
				for (const [i, id] of input.sources.entries()) {
					const sound = found
						.filter(f => f.sound.generationId === id)
						.sort((a, b) => a.sound.output - b.sound.output)[0]?.sound
					if (!sound?.duration)
						return refuse(422, 'nothing_to_mix', 'A sound to mix is not one of your finished recordings.')
					tracks.push({
						...newTrack(`Track ${i + 1}`),
						clips: [
							{
								id: randomUUID(),
								generationId: sound.generationId,
								output: sound.output,
								start: 0,
								trimIn: 0,
								trimOut: sound.duration,
								gain: 1,
							},
						],
					})
				}
				if (tracks.length === 0) return refuse(422, 'nothing_to_mix', 'Connect at least one sound to mix.')
				const document = v.parse(ProjectDocumentSchema, { version: 1, tracks })
				const params = { source: 'mixdown', projectName: input.name, document }
				const { rows } = await tx.query<Row>(
					`insert into public.generations (user_id, kind, provider, model, prompt, params, idempotency_key)
				 values ($1, 'audio', 'offline', $2, $3, $4, $5) returning ${COLUMNS}`,
					[userId, MIXDOWN_MODEL, `Mix of “${input.name}”`, JSON.stringify(params), input.idempotencyKey],
				)
				const generation = toGeneration(rows[0] as Row)
				await jobs.enqueue(tx, 'audio.mixdown', { generationId: generation.id })
				return { generation, fresh: true }
			},
		)
		if ('refused' in result) return result
		if (result.fresh) jobs.wake('audio.mixdown')
		return { generation: result.generation }
	}

	// ---- the worker (privileged: it runs without a session, for the generation's owner) ----

	async function fail(generationId: string, message: string, job?: Job<MixdownData>) {
		job?.markFailed(message)
		const { rowCount } = await db.privileged(tx =>
			tx.query(
				`update public.generations set status = 'failed', error = $2, completed_at = now()
				 where id = $1 and status in ('queued', 'running')`,
				[generationId, message],
			),
		)
		if (rowCount > 0) deps.announce({ id: generationId, status: 'failed' })
	}

	async function readBytes(output: GenerationOutput): Promise<Uint8Array> {
		const file = await storage.get(output.bucket, output.key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		return new Uint8Array(Buffer.concat(chunks))
	}

	/** Stores one rendered file with its waveform, as an output of the mixdown. */
	async function storeRendered(userId: string, data: Uint8Array, filename: string): Promise<GenerationOutput> {
		const saved = await storage.put({ bucket: 'media', userId, data, filename })
		return {
			bucket: saved.bucket,
			key: saved.key,
			contentType: saved.contentType,
			kind: saved.kind,
			size: saved.size,
			...(await storeWaveform(storage, userId, data)),
		}
	}

	/** The worker for `audio.mixdown`. Safe to run again: a finished generation is left alone. */
	async function runMixdown(job: Job<MixdownData>): Promise<void> {
		const generation = await db.privileged(async tx => {
			const { rows } = await tx.query<Row>(
				`update public.generations set status = 'running', started_at = coalesce(started_at, now())
				 where id = $1 and status in ('queued', 'running') and model = $2 returning ${COLUMNS}`,
				[job.data.generationId, MIXDOWN_MODEL],
			)
			return rows[0] ? toGeneration(rows[0]) : null
		})
		if (!generation) return
		deps.announce(generation)
		const parsed = v.safeParse(ProjectDocumentSchema, generation.params.document)
		if (!parsed.success) return fail(generation.id, 'This mixdown’s project could not be read; mix it down again.', job)
		const doc = parsed.output
		const stored: GenerationOutput[] = []
		try {
			const clips = doc.tracks.flatMap(t => (isAudible(doc, t) ? t.clips.map(c => ({ clip: c, track: t })) : []))
			const sources = await db.privileged(tx =>
				soundsOf(
					tx,
					generation.userId,
					clips.map(c => c.clip.generationId),
				),
			)
			const bytes = new Map<string, Uint8Array>()
			const inputs = []
			for (const { clip, track } of clips) {
				const key = soundKey(clip.generationId, clip.output)
				const source = sources.get(key)
				if (!source) return fail(generation.id, 'A sound in this project was deleted before the mixdown ran.', job)
				if (!bytes.has(key)) bytes.set(key, await readBytes(source.stored))
				inputs.push({ data: bytes.get(key) as Uint8Array, ...framesOf(clip), gain: clip.gain * track.gain })
			}
			const samples = await mixClips(inputs)
			const wav = encodeWav(samples, MIX_SAMPLE_RATE, MIX_CHANNELS)
			stored.push(await storeRendered(generation.userId, wav, 'mixdown.wav'))
			stored.push(await storeRendered(generation.userId, await wavToMp3(wav), 'mixdown.mp3'))
		} catch (error) {
			if (stored.length > 0)
				await storage.remove(
					'media',
					stored.map(o => o.key),
				)
			if (!job.isLastAttempt) throw error
			logger.warn('mixdown failed', { generationId: generation.id, error })
			return fail(generation.id, 'The mixdown could not be rendered. Try again.', job)
		}
		const { rowCount } = await db.privileged(tx =>
			tx.query(
				`update public.generations set status = 'succeeded', outputs = $2, error = null, completed_at = now()
				 where id = $1 and status in ('queued', 'running')`,
				[generation.id, JSON.stringify(stored)],
			),
		)
		if (rowCount > 0) deps.announce({ id: generation.id, status: 'succeeded' })
		else
			await storage.remove(
				'media',
				stored.map(o => o.key),
			)
	}

	return {
		mixdowns,
		mixdown,
		retry,
		mixSounds,
		runMixdown,
		async startWorkers() {
			await jobs.work('audio.mixdown', runMixdown, { data: RunDataSchema, pollingIntervalSeconds: 1 })
		},
	}
}

export type Mixdowns = ReturnType<typeof createMixdowns>

/** Where a clip starts in the mix and which part of its source plays, in frames at the mix's rate. */
export function framesOf(clip: Pick<Clip, 'start' | 'trimIn' | 'trimOut'>) {
	const fromFrame = Math.round(clip.trimIn * MIX_SAMPLE_RATE)
	return {
		startFrame: Math.round(clip.start * MIX_SAMPLE_RATE),
		fromFrame,
		toFrame: fromFrame + Math.round(clipLength(clip) * MIX_SAMPLE_RATE),
	}
}
