/**
 * Multitrack audio projects: a name and one document (./project-schema.ts) of tracks and clips that point at the
 * user's library audio. Every change — a form's edit or the editor's autosave — ends in `edit`, which applies it
 * (./project-edits.ts), checks the document with the one schema and checks that every clip's source is the user's
 * own audio, long enough for its trim (./project-store.ts). The editor's save names the revision it started from:
 * a save over a newer revision (another tab saved in between) is refused with 409, never written over it.
 * Mixdowns are ./mixdown.ts. Users act through `db.asUser`; only the mixdown worker is privileged.
 */
import * as v from 'valibot'
import { logger } from '#server/logger.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import { COLUMNS, toGeneration, type Row } from '../generations/rows.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { createMixdowns, type AudioProjectsDeps } from './mixdown.ts'
import { applyEdit, newTrack, type DocumentEdit } from './project-edits.ts'
import {
	PROJECT_FILE_FORMAT,
	ProjectDocumentSchema,
	ProjectFileSchema,
	soundKey,
	type ProjectDocument,
	type ProjectEdit,
	type ProjectFile,
} from './project-schema.ts'
import {
	NOT_YOURS,
	PROJECT_COLUMNS,
	checkSources,
	loadProject,
	soundsFrom,
	soundsOf,
	toProject,
	writeProject,
	type AudioProject,
	type LibrarySound,
	type ProjectRow,
	type ProjectSummary,
	type SoundView,
} from './project-store.ts'
import { readPeaks } from './waveforms.ts'

export type { AudioProject, LibrarySound, ProjectSummary, SoundView } from './project-store.ts'
export { MIXDOWN_MODEL, framesOf, type MixdownData } from './mixdown.ts'
export { applyEdit } from './project-edits.ts'

export function createAudioProjects(deps: AudioProjectsDeps) {
	const { db, storage } = deps

	/** A save based on an older revision (the editor then reloads the page's data and offers both ways on). */
	function conflict(current: number): Refusal {
		logger.info('audio project save refused: stale revision', { current })
		return refuse(
			409,
			'edit_conflict',
			'This project was changed in another tab or window since this editor loaded it, so this save was not ' +
				'written. Load the saved version, or keep yours and save it over the other.',
		)
	}

	async function list(actor: Actor): Promise<ProjectSummary[]> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<ProjectRow>(
				`select ${PROJECT_COLUMNS} from public.audio_projects where user_id = $1
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
				 returning ${PROJECT_COLUMNS}`,
				[actor.id, input.name, JSON.stringify(document)],
			)
			return { project: toProject(rows[0] as ProjectRow) }
		})
	}

	async function get(actor: Actor, id: string): Promise<AudioProject | Refusal> {
		const found = await db.asUser(actor.id, tx => loadProject(tx, actor, id))
		return found ?? refuse(404, 'not_found', NOT_YOURS)
	}

	/** Applies one edit from a form or the editor, and saves the resulting document. */
	async function edit(
		actor: Actor,
		id: string,
		change: DocumentEdit | Extract<ProjectEdit, { intent: 'rename' }>,
	): Promise<{ project: AudioProject } | Refusal> {
		return db.asUser(actor.id, async tx => {
			const project = await loadProject(tx, actor, id)
			if (!project) return refuse(404, 'not_found', NOT_YOURS)
			if (change.intent === 'save' && change.revision !== project.revision) {
				return conflict(project.revision)
			}
			if (change.intent === 'rename') {
				const saved = await writeProject(tx, actor, id, { name: change.name })
				return saved && 'id' in saved ? { project: saved } : refuse(404, 'not_found', NOT_YOURS)
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
			// A whole-document save from the editor names its revision; a form's edit was applied to the stored
			// document just now, so it cannot overwrite anything.
			const basedOn = change.intent === 'save' ? { basedOn: change.revision } : {}
			const saved = await writeProject(tx, actor, id, { document: checked.output, ...basedOn })
			if (saved && 'conflict' in saved) return conflict(saved.conflict)
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

	const mixes = createMixdowns({ ...deps, get })

	return {
		list,
		create,
		get,
		edit,
		remove,
		library,
		sounds,
		mixdowns: mixes.mixdowns,
		mixdown: mixes.mixdown,
		retryMixdown: mixes.retry,
		/** A workflow's mix node: whole sounds mixed, one per key. */
		mixSounds: mixes.mixSounds,
		exportFile,
		importFile,
		runMixdown: mixes.runMixdown,
		startWorkers: mixes.startWorkers,
	}
}

export type AudioProjects = ReturnType<typeof createAudioProjects>
