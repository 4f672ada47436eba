/**
 * Rows and queries of audio projects: a project row as an `AudioProject`, loading one, the user's library sounds
 * a document refers to, the check that every clip's source is the user's own audio, and the write of a document.
 * Every function here runs inside a transaction its caller opened (`db.asUser`, or `db.privileged` for the worker).
 */
import * as v from 'valibot'
import type { Tx } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import type { AudioPeaks } from '#server/media/audio.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import { COLUMNS, toGeneration, type Generation, type GenerationOutput, type Row } from '../generations/rows.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { creditOf, type SoundCredit } from '../sounds/schema.ts'
import { EMPTY_DOCUMENT, ProjectDocumentSchema, soundKey, type ProjectDocument } from './project-schema.ts'

export type AudioProject = {
	id: string
	name: string
	document: ProjectDocument
	/** Counts the project's saves: a save based on an older revision is refused, not written over a newer one. */
	revision: number
	createdAt: Date
	updatedAt: Date
}
export type ProjectSummary = { id: string; name: string; tracks: number; clips: number; updatedAt: Date }

/** A library sound a clip can use: one audio output of a finished generation. */
export type LibrarySound = {
	generationId: string
	output: number
	prompt: string
	duration: number | null
	preview: number[] | null
	/** Licence and attribution of a sound imported from Freesound; null for the user's own. */
	credit: SoundCredit | null
	createdAt: Date
}
/** A clip's source as the page and editor need it: where to play it from and its stored peaks. */
export type SoundView = LibrarySound & { url: string; peaks: AudioPeaks | null }

export const NOT_YOURS = 'That project does not exist, or it is not yours.'
const STORED_TOLERANCE_SECONDS = 0.001

export const PROJECT_COLUMNS = 'id, name, data, revision, created_at, updated_at'
export type ProjectRow = {
	id: string
	name: string
	data: unknown
	revision: number
	created_at: Date
	updated_at: Date
}

export function toProject(row: ProjectRow): AudioProject {
	const parsed = v.safeParse(ProjectDocumentSchema, row.data)
	if (!parsed.success) logger.warn('audio project document no longer passes its schema', { projectId: row.id })
	return {
		id: row.id,
		name: row.name,
		// A document that no longer parses opens empty rather than breaking the page; saving replaces it.
		document: parsed.success ? parsed.output : EMPTY_DOCUMENT,
		revision: row.revision,
		createdAt: new Date(row.created_at),
		updatedAt: new Date(row.updated_at),
	}
}

export async function loadProject(tx: Tx, actor: Actor, id: string): Promise<AudioProject | null> {
	if (!isUuid(id)) return null
	const { rows } = await tx.query<ProjectRow>(
		`select ${PROJECT_COLUMNS} from public.audio_projects where id = $1 and user_id = $2`,
		[id, actor.id],
	)
	return rows[0] ? toProject(rows[0]) : null
}

/** The user's finished audio outputs among `ids` (RLS and the user filter leave out anyone else's). */
export async function soundsOf(tx: Tx, userId: string, ids: readonly string[]) {
	const wanted = [...new Set(ids)].filter(isUuid)
	if (wanted.length === 0) return new Map<string, { sound: LibrarySound; stored: GenerationOutput }>()
	const { rows } = await tx.query<Row>(
		`select ${COLUMNS} from public.generations
		 where id = any($1::uuid[]) and user_id = $2 and kind = 'audio' and status = 'succeeded' and deleted_at is null`,
		[wanted, userId],
	)
	return soundsFrom(rows.map(toGeneration))
}

export function soundsFrom(generations: Generation[]) {
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
					credit: creditOf(g.params),
					createdAt: g.createdAt,
				},
			})
		})
	}
	return found
}

/** Every clip's source is the user's own audio, and long enough for the clip's trim. */
export async function checkSources(tx: Tx, actor: Actor, doc: ProjectDocument): Promise<Refusal | null> {
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

/**
 * Writes a new name or document and counts a revision. With `basedOn` (the revision the writer started from) the
 * write happens only when the row is still at that revision: one statement, so two saves cannot both pass.
 * Null when there is no such project, `{ conflict }` with the current revision when someone saved in between.
 */
export async function writeProject(
	tx: Tx,
	actor: Actor,
	id: string,
	patch: { name?: string; document?: ProjectDocument; basedOn?: number },
): Promise<AudioProject | { conflict: number } | null> {
	const { rows } = await tx.query<ProjectRow>(
		`update public.audio_projects
		 set name = coalesce($3, name), data = coalesce($4::jsonb, data), revision = revision + 1, updated_at = now()
		 where id = $1 and user_id = $2 and ($5::integer is null or revision = $5) returning ${PROJECT_COLUMNS}`,
		[id, actor.id, patch.name ?? null, patch.document ? JSON.stringify(patch.document) : null, patch.basedOn ?? null],
	)
	if (rows[0]) return toProject(rows[0])
	if (patch.basedOn === undefined) return null
	const current = await tx.query<{ revision: number }>(
		'select revision from public.audio_projects where id = $1 and user_id = $2',
		[id, actor.id],
	)
	return current.rows[0] ? { conflict: current.rows[0].revision } : null
}
