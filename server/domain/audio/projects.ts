/**
 * Multitrack audio projects: a name and one document (./project-schema.ts) of tracks and clips that point at the
 * user's library audio. Every change — a form's edit or the editor's autosave — ends in `save`, which checks the
 * document with the one schema and checks that every clip's source is the user's own audio, long enough for its
 * trim. A mixdown is a generation (kind audio) made by the `audio.mixdown` job with ffmpeg on the server; it
 * records the project as its source. Users act through `db.asUser`; only the mixdown worker is privileged.
 */
import { randomUUID } from 'node:crypto'
import * as v from 'valibot'
import type { Db, Tx } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { rateLimitHeaders, rateLimitMessage } from '#server/limits/http.ts'
import type { Limits } from '#server/limits/index.ts'
import { logger } from '#server/logger.ts'
import { encodeWav, MIX_CHANNELS, MIX_SAMPLE_RATE, mixClips, wavToMp3, type AudioPeaks } from '#server/media/audio.ts'
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
import { notFound, refuse, type Refusal } from '../refusal.ts'
import {
	EMPTY_DOCUMENT,
	PROJECT_FILE_FORMAT,
	ProjectDocumentSchema,
	ProjectFileSchema,
	clipLength,
	isAudible,
	soundKey,
	type Clip,
	type ProjectDocument,
	type ProjectEdit,
	type ProjectFile,
} from './project-schema.ts'
import { readPeaks, storeWaveform } from './waveforms.ts'

export type AudioProject = { id: string; name: string; document: ProjectDocument; createdAt: Date; updatedAt: Date }
export type ProjectSummary = { id: string; name: string; tracks: number; clips: number; updatedAt: Date }

/** A library sound a clip can use: one audio output of a finished generation. */
export type LibrarySound = {
	generationId: string
	output: number
	prompt: string
	duration: number | null
	preview: number[] | null
	createdAt: Date
}
/** A clip's source as the page and editor need it: where to play it from and its stored peaks. */
export type SoundView = LibrarySound & { url: string; peaks: AudioPeaks | null }

/** A mixdown job's data: the generation it renders (the same shape as a generation's own jobs). */
export type MixdownData = v.InferOutput<typeof RunDataSchema>

/** The model a mixdown is recorded under: rendered here, by ffmpeg, at no provider cost. */
export const MIXDOWN_MODEL = 'offline:mixdown'
const STORED_TOLERANCE_SECONDS = 0.001
const NOT_YOURS = 'That project does not exist, or it is not yours.'

type ProjectRow = { id: string; name: string; data: unknown; created_at: Date; updated_at: Date }

export function createAudioProjects(deps: {
	db: Db
	jobs: Jobs
	storage: Storage
	limits: Pick<Limits, 'consume'>
	/** Tells live views that a generation changed status (the generations service's announcer). */
	announce: (generation: Pick<Generation, 'id' | 'status'>) => void
}) {
	const { db, jobs, storage } = deps

	function toProject(row: ProjectRow): AudioProject {
		const parsed = v.safeParse(ProjectDocumentSchema, row.data)
		if (!parsed.success) logger.warn('audio project document no longer passes its schema', { projectId: row.id })
		return {
			id: row.id,
			name: row.name,
			// A document that no longer parses opens empty rather than breaking the page; saving replaces it.
			document: parsed.success ? parsed.output : EMPTY_DOCUMENT,
			createdAt: new Date(row.created_at),
			updatedAt: new Date(row.updated_at),
		}
	}

	async function load(tx: Tx, actor: Actor, id: string): Promise<AudioProject | null> {
		if (!isUuid(id)) return null
		const { rows } = await tx.query<ProjectRow>(
			'select id, name, data, created_at, updated_at from public.audio_projects where id = $1 and user_id = $2',
			[id, actor.id],
		)
		return rows[0] ? toProject(rows[0]) : null
	}

	/** The user's finished audio outputs among `ids` (RLS and the user filter leave out anyone else's). */
	async function soundsOf(tx: Tx, userId: string, ids: readonly string[]) {
		const wanted = [...new Set(ids)].filter(isUuid)
		if (wanted.length === 0) return new Map<string, { sound: LibrarySound; stored: GenerationOutput }>()
		const { rows } = await tx.query<Row>(
			`select ${COLUMNS} from public.generations
			 where id = any($1::uuid[]) and user_id = $2 and kind = 'audio' and status = 'succeeded' and deleted_at is null`,
			[wanted, userId],
		)
		return soundsFrom(rows.map(toGeneration))
	}

	function soundsFrom(generations: Generation[]) {
		const found = new Map<string, { sound: LibrarySound; stored: GenerationOutput }>()
		for (const g of generations) {
			g.outputs.forEach((stored, output) => {
				if (stored.kind !== 'audio') return
				found.set(soundKey(g.id, output), {
					stored,
					sound: {
						generationId: g.id,
						output,
						prompt: g.prompt,
						duration: stored.duration ?? null,
						preview: stored.waveform?.preview ?? null,
						createdAt: g.createdAt,
					},
				})
			})
		}
		return found
	}

	/** Every clip's source is the user's own audio, and long enough for the clip's trim. */
	async function checkSources(tx: Tx, actor: Actor, doc: ProjectDocument): Promise<Refusal | null> {
		const clips = doc.tracks.flatMap(t => t.clips)
		const sounds = await soundsOf(
			tx,
			actor.id,
			clips.map(c => c.generationId),
		)
		for (const clip of clips) {
			const source = sounds.get(soundKey(clip.generationId, clip.output))
			if (!source) {
				return refuse(
					403,
					'not_your_sound',
					'A clip refers to a sound that is not in your library (or no longer exists).',
					{ fields: { [`clip.${clip.id}`]: ['That sound is not in your library.'] } },
				)
			}
			const length = source.sound.duration
			if (length !== null && clip.trimOut > length + STORED_TOLERANCE_SECONDS) {
				return refuse(400, 'invalid_input', `The trim out is past the end of the sound (${length.toFixed(2)} s).`, {
					fields: { trimOut: [`The sound is ${length.toFixed(2)} s long.`] },
				})
			}
		}
		return null
	}

	async function write(tx: Tx, actor: Actor, id: string, patch: { name?: string; document?: ProjectDocument }) {
		const { rows } = await tx.query<ProjectRow>(
			`update public.audio_projects set name = coalesce($3, name), data = coalesce($4::jsonb, data), updated_at = now()
			 where id = $1 and user_id = $2 returning id, name, data, created_at, updated_at`,
			[id, actor.id, patch.name ?? null, patch.document ? JSON.stringify(patch.document) : null],
		)
		return rows[0] ? toProject(rows[0]) : null
	}

	async function list(actor: Actor): Promise<ProjectSummary[]> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<ProjectRow>(
				`select id, name, data, created_at, updated_at from public.audio_projects where user_id = $1
				 order by updated_at desc limit 200`,
				[actor.id],
			)
			return rows.map(row => {
				const p = toProject(row)
				const clips = p.document.tracks.reduce((n, t) => n + t.clips.length, 0)
				return { id: p.id, name: p.name, tracks: p.document.tracks.length, clips, updatedAt: p.updatedAt }
			})
		})
	}

	async function create(
		actor: Actor,
		input: { name: string; document?: ProjectDocument },
	): Promise<{ project: AudioProject } | Refusal> {
		return db.asUser(actor.id, async tx => {
			const document = input.document ?? {
				version: 1 as const,
				tracks: [newTrack('Track 1'), newTrack('Track 2')],
			}
			const refused = await checkSources(tx, actor, document)
			if (refused) return refused
			const { rows } = await tx.query<ProjectRow>(
				`insert into public.audio_projects (user_id, name, data) values ($1, $2, $3)
				 returning id, name, data, created_at, updated_at`,
				[actor.id, input.name, JSON.stringify(document)],
			)
			return { project: toProject(rows[0] as ProjectRow) }
		})
	}

	async function get(actor: Actor, id: string): Promise<AudioProject | Refusal> {
		const found = await db.asUser(actor.id, tx => load(tx, actor, id))
		return found ?? refuse(404, 'not_found', NOT_YOURS)
	}

	/** Applies one edit from a form or the editor, and saves the resulting document. */
	async function edit(
		actor: Actor,
		id: string,
		change: Exclude<ProjectEdit, { intent: 'mixdown' | 'delete' }>,
	): Promise<{ project: AudioProject } | Refusal> {
		return db.asUser(actor.id, async tx => {
			const project = await load(tx, actor, id)
			if (!project) return refuse(404, 'not_found', NOT_YOURS)
			if (change.intent === 'rename') {
				const saved = await write(tx, actor, id, { name: change.name })
				return saved ? { project: saved } : refuse(404, 'not_found', NOT_YOURS)
			}
			let document: ProjectDocument | Refusal
			if (change.intent === 'add-clip') {
				const [generationId = '', output = '0'] = change.source.split(':')
				const source = (await soundsOf(tx, actor.id, [generationId])).get(soundKey(generationId, Number(output)))
				if (!source) {
					return refuse(403, 'not_your_sound', 'That sound is not in your library.', {
						fields: { source: ['That sound is not in your library.'] },
					})
				}
				if (source.sound.duration === null) {
					return refuse(422, 'no_length', 'That sound’s length is not known, so it cannot be placed as a clip.', {
						fields: { source: ['That sound’s length is not known.'] },
					})
				}
				document = applyEdit(project.document, change, source.sound.duration)
			} else {
				document = applyEdit(project.document, change, null)
			}
			if ('refused' in document) return document
			const checked = v.safeParse(ProjectDocumentSchema, document)
			if (!checked.success) {
				return refuse(400, 'invalid_input', checked.issues[0]?.message ?? 'That change is not valid.')
			}
			const refused = await checkSources(tx, actor, checked.output)
			if (refused) return refused
			const saved = await write(tx, actor, id, { document: checked.output })
			return saved ? { project: saved } : refuse(404, 'not_found', NOT_YOURS)
		})
	}

	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		if (!isUuid(id)) return notFound('That project')
		const { rowCount } = await db.asUser(actor.id, tx =>
			tx.query('delete from public.audio_projects where id = $1 and user_id = $2', [id, actor.id]),
		)
		return rowCount > 0 ? true : notFound('That project')
	}

	/** The user's audio library, newest first, for the "add a clip" choice. */
	async function library(actor: Actor, limit = 200): Promise<LibrarySound[]> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations
				 where user_id = $1 and kind = 'audio' and status = 'succeeded' and deleted_at is null
				 order by created_at desc limit $2`,
				[actor.id, limit],
			)
			return [...soundsFrom(rows.map(toGeneration)).values()].map(s => s.sound)
		})
	}

	/** The sources of a project's clips, with signed URLs and their stored peaks (read, never recomputed). */
	async function sounds(actor: Actor, doc: ProjectDocument): Promise<Record<string, SoundView>> {
		const found = await db.asUser(actor.id, tx =>
			soundsOf(
				tx,
				actor.id,
				doc.tracks.flatMap(t => t.clips.map(c => c.generationId)),
			),
		)
		const views: Record<string, SoundView> = {}
		for (const [key, { sound, stored }] of found) {
			const [url, peaks] = await Promise.all([
				storage.signedUrl(stored.bucket, stored.key, { expiresInSeconds: 6 * 3600 }),
				stored.waveform ? readPeaks(storage, stored.bucket, stored.waveform.key) : Promise.resolve(null),
			])
			views[key] = { ...sound, url, peaks }
		}
		return views
	}

	/** Mixdowns of a project, newest first (the generations that name it as their source). */
	async function mixdowns(actor: Actor, id: string): Promise<Generation[]> {
		if (!isUuid(id)) return []
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations
				 where user_id = $1 and kind = 'audio' and params->>'projectId' = $2 and deleted_at is null
				 order by created_at desc limit 20`,
				[actor.id, id],
			)
			return rows.map(toGeneration)
		})
	}

	/** Queues a mixdown of the project as it is now: a generation row and its job in one transaction. */
	async function mixdown(actor: Actor, id: string): Promise<{ generation: Generation } | Refusal> {
		const project = await get(actor, id)
		if ('refused' in project) return project
		const audible = project.document.tracks.some(t => isAudible(project.document, t) && t.clips.length > 0)
		if (!audible) {
			return refuse(422, 'nothing_to_mix', 'Add a clip to a track that is not muted before mixing down.')
		}
		const limited = await deps.limits.consume('mixdown', { ip: '', userId: actor.id })
		if (!limited.allowed) {
			return refuse(429, 'rate_limited', rateLimitMessage(limited), { headers: rateLimitHeaders(limited) })
		}
		return db
			.asUser(actor.id, async tx => {
				const params = {
					source: 'mixdown',
					projectId: project.id,
					projectName: project.name,
					document: project.document,
				}
				const { rows } = await tx.query<Row>(
					`insert into public.generations (user_id, kind, provider, model, prompt, params)
				 values ($1, 'audio', 'offline', $2, $3, $4) returning ${COLUMNS}`,
					[actor.id, MIXDOWN_MODEL, `Mixdown of “${project.name}”`, JSON.stringify(params)],
				)
				const generation = toGeneration(rows[0] as Row)
				await jobs.enqueue(tx, 'audio.mixdown', { generationId: generation.id })
				return { generation }
			})
			.then(result => {
				// Committed: this process's mixdown worker fetches it now rather than at its next poll.
				jobs.wake('audio.mixdown')
				return result
			})
	}

	async function exportFile(actor: Actor, id: string): Promise<ProjectFile | Refusal> {
		const project = await get(actor, id)
		if ('refused' in project) return project
		return { format: PROJECT_FILE_FORMAT, name: project.name, document: project.document }
	}

	/** A new project from an exported file; refused when it refers to sounds that are not the user's. */
	async function importFile(actor: Actor, input: unknown): Promise<{ project: AudioProject } | Refusal> {
		const parsed = v.safeParse(ProjectFileSchema, input)
		if (!parsed.success) {
			return refuse(400, 'invalid_input', `That project file is not valid: ${parsed.issues[0]?.message ?? ''}`.trim())
		}
		return create(actor, { name: parsed.output.name, document: parsed.output.document })
	}

	// ---- the mixdown worker (privileged: it runs without a session, for the generation's owner) ----

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
		list,
		create,
		get,
		edit,
		remove,
		library,
		sounds,
		mixdowns,
		mixdown,
		exportFile,
		importFile,
		runMixdown,
		async startWorkers() {
			await jobs.work('audio.mixdown', runMixdown, { data: RunDataSchema, pollingIntervalSeconds: 1 })
		},
	}
}

export type AudioProjects = ReturnType<typeof createAudioProjects>

/** Where a clip starts in the mix and which part of its source plays, in frames at the mix's rate. */
export function framesOf(clip: Pick<Clip, 'start' | 'trimIn' | 'trimOut'>) {
	const fromFrame = Math.round(clip.trimIn * MIX_SAMPLE_RATE)
	return {
		startFrame: Math.round(clip.start * MIX_SAMPLE_RATE),
		fromFrame,
		toFrame: fromFrame + Math.round(clipLength(clip) * MIX_SAMPLE_RATE),
	}
}

function newTrack(name: string) {
	return { id: randomUUID(), name, gain: 1, mute: false, solo: false, clips: [] as Clip[] }
}

function move<T>(items: readonly T[], index: number, direction: 'up' | 'down'): T[] {
	const to = direction === 'up' ? index - 1 : index + 1
	if (index < 0 || to < 0 || to >= items.length) return [...items]
	const copy = [...items]
	const [item] = copy.splice(index, 1)
	copy.splice(to, 0, item as T)
	return copy
}

/**
 * One form edit applied to a document (pure; the result is checked by the schema before it is saved).
 * `sourceLength` is the added sound's length, for `add-clip`.
 */
export function applyEdit(
	doc: ProjectDocument,
	change: Exclude<ProjectEdit, { intent: 'mixdown' | 'delete' | 'rename' }>,
	sourceLength: number | null,
): ProjectDocument | Refusal {
	if (change.intent === 'save') return change.document
	if (change.intent === 'add-track') {
		return { ...doc, tracks: [...doc.tracks, newTrack(`Track ${doc.tracks.length + 1}`)] }
	}
	const index = doc.tracks.findIndex(t => t.id === change.trackId)
	const track = doc.tracks[index]
	if (!track) return refuse(404, 'not_found', 'That track is no longer in the project.')
	const withTrack = (next: ProjectDocument['tracks'][number]) => ({
		...doc,
		tracks: doc.tracks.map(t => (t.id === track.id ? next : t)),
	})
	switch (change.intent) {
		case 'track':
			return withTrack({ ...track, gain: change.gain, mute: change.mute, solo: change.solo })
		case 'move-track':
			return { ...doc, tracks: move(doc.tracks, index, change.direction) }
		case 'delete-track':
			return { ...doc, tracks: doc.tracks.filter(t => t.id !== track.id) }
		case 'add-clip': {
			const [generationId = '', output = '0'] = change.source.split(':')
			const clip: Clip = {
				id: randomUUID(),
				generationId,
				output: Number(output),
				start: change.start,
				trimIn: 0,
				trimOut: sourceLength ?? 0,
				gain: 1,
			}
			return withTrack({ ...track, clips: [...track.clips, clip] })
		}
	}
	const clipIndex = track.clips.findIndex(c => c.id === change.clipId)
	const clip = track.clips[clipIndex]
	if (!clip) return refuse(404, 'not_found', 'That clip is no longer in the project.')
	switch (change.intent) {
		case 'clip':
			if (change.trimOut <= change.trimIn) {
				return refuse(400, 'invalid_input', 'A clip must end after it begins (trim out after trim in).', {
					fields: { trimOut: ['The trim out must be after the trim in.'] },
				})
			}
			return withTrack({
				...track,
				clips: track.clips.map(c =>
					c.id === clip.id
						? { ...c, start: change.start, trimIn: change.trimIn, trimOut: change.trimOut, gain: change.gain }
						: c,
				),
			})
		case 'move-clip': {
			// Up and down move a clip to the track above or below, at the same time.
			const to = change.direction === 'up' ? index - 1 : index + 1
			const target = doc.tracks[to]
			if (!target) return doc
			return {
				...doc,
				tracks: doc.tracks.map(t =>
					t.id === track.id
						? { ...t, clips: t.clips.filter(c => c.id !== clip.id) }
						: t.id === target.id
							? { ...t, clips: [...t.clips, clip] }
							: t,
				),
			}
		}
		case 'delete-clip':
			return withTrack({ ...track, clips: track.clips.filter(c => c.id !== clip.id) })
	}
}
