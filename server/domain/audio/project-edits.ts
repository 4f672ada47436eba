/**
 * One form edit applied to a project document, as a pure function: the page's forms (add a track or clip, set a
 * clip's start/trim/gain, mute/solo, reorder, delete) and the editor's whole-document save all end here, and the
 * result is checked by the document schema before it is written (./projects.ts).
 */
import { randomUUID } from 'node:crypto'
import { refuse, type Refusal } from '../refusal.ts'
import type { Clip, ProjectDocument, ProjectEdit } from './project-schema.ts'

/** The edits applied to the document (rename, mixdown and delete act on the row, not the document). */
export type DocumentEdit = Exclude<ProjectEdit, { intent: 'mixdown' | 'retry-mixdown' | 'delete' | 'rename' }>

export function newTrack(name: string) {
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
	change: DocumentEdit,
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
