/**
 * The multitrack project document and every edit to it, as valibot schemas (safe for the browser bundle: the
 * editor checks its own document with the same schema before it saves). A project is tracks with a gain, mute
 * and solo; each track holds clips that point at library audio (a generation's output) with where they start
 * in the project, which part of the source plays (trim in/out, in the source's seconds) and their gain.
 * Forms and the editor both end in `ProjectDocumentSchema`: one document, one schema, one save.
 */
import * as v from 'valibot'
import { isUuid } from '#server/uuid.ts'

export const MAX_TRACKS = 16
export const MAX_CLIPS_PER_TRACK = 64
/** A project is at most an hour long; so is any one clip's source position. */
export const MAX_SECONDS = 3600
export const MAX_GAIN = 4

const ID = /^[A-Za-z0-9_-]{1,40}$/

const itemId = (what: string) => v.pipe(v.string(`Name the ${what}.`), v.regex(ID, `That ${what} id is not valid.`))
const seconds = (what: string) =>
	v.pipe(
		v.number(`Give ${what} in seconds.`),
		v.finite(`Give ${what} in seconds.`),
		v.minValue(0, `${what[0]!.toUpperCase()}${what.slice(1)} cannot be negative.`),
		v.maxValue(MAX_SECONDS, `${what[0]!.toUpperCase()}${what.slice(1)} can be at most an hour.`),
	)
const gain = v.pipe(
	v.number('Give the gain as a number.'),
	v.finite('Give the gain as a number.'),
	v.minValue(0, 'The gain cannot be negative.'),
	v.maxValue(MAX_GAIN, `The gain can be at most ${MAX_GAIN}.`),
)
export const ProjectNameSchema = v.pipe(
	v.string('Give the project a name.'),
	v.trim(),
	v.minLength(1, 'Give the project a name.'),
	v.maxLength(200, 'A project name can be at most 200 characters.'),
)

export const ClipSchema = v.pipe(
	v.object({
		id: itemId('clip'),
		/** The library item: a generation of the same user, and which of its outputs. */
		generationId: v.pipe(
			v.string('Pick a sound from your library.'),
			v.check((value: string) => isUuid(value), 'Pick a sound from your library.'),
		),
		output: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(7)),
		start: seconds('the start'),
		trimIn: seconds('the trim in'),
		trimOut: seconds('the trim out'),
		gain,
	}),
	v.check(c => c.trimOut > c.trimIn, 'A clip must end after it begins (trim out after trim in).'),
)

export const TrackSchema = v.object({
	id: itemId('track'),
	name: v.pipe(v.string(), v.trim(), v.minLength(1, 'Give the track a name.'), v.maxLength(80)),
	gain,
	mute: v.boolean(),
	solo: v.boolean(),
	clips: v.pipe(
		v.array(ClipSchema),
		v.maxLength(MAX_CLIPS_PER_TRACK, `A track holds at most ${MAX_CLIPS_PER_TRACK} clips.`),
	),
})

export const ProjectDocumentSchema = v.pipe(
	v.object({
		version: v.literal(1),
		tracks: v.pipe(v.array(TrackSchema), v.maxLength(MAX_TRACKS, `A project has at most ${MAX_TRACKS} tracks.`)),
	}),
	v.check(doc => {
		const ids = doc.tracks.flatMap(t => [t.id, ...t.clips.map(c => c.id)])
		return new Set(ids).size === ids.length
	}, 'Every track and clip needs its own id.'),
)

export type ProjectDocument = v.InferOutput<typeof ProjectDocumentSchema>
export type Track = ProjectDocument['tracks'][number]
export type Clip = Track['clips'][number]

export const EMPTY_DOCUMENT: ProjectDocument = { version: 1, tracks: [] }

/** A project as a file: its name and document, library items referred to by id. */
export const PROJECT_FILE_FORMAT = 'generation-studio.audio-project'
export const ProjectFileSchema = v.object({
	format: v.literal(PROJECT_FILE_FORMAT, 'That file is not an audio project export.'),
	name: ProjectNameSchema,
	document: ProjectDocumentSchema,
})
export type ProjectFile = v.InferOutput<typeof ProjectFileSchema>

/** How a library sound (a generation's output) is named in maps and forms: `generationId:output`. */
export const soundKey = (generationId: string, output: number) => `${generationId}:${output}`

/** How long a clip plays. */
export function clipLength(clip: Pick<Clip, 'trimIn' | 'trimOut'>): number {
	return clip.trimOut - clip.trimIn
}

/** Where the project ends: the end of its last clip. */
export function projectLength(doc: ProjectDocument): number {
	return doc.tracks.reduce((end, t) => t.clips.reduce((e, c) => Math.max(e, c.start + clipLength(c)), end), 0)
}

/** Whether a track is heard in the mix: not muted, and soloed when any track is. */
export function isAudible(doc: ProjectDocument, track: Track): boolean {
	if (track.mute) return false
	return doc.tracks.some(t => t.solo) ? track.solo : true
}

// ---- Form edits: each a variant on `intent`, parsed from the page's forms (strings) ----

/** A number typed into a form: blank is refused on its field; "1,5" is read as 1.5. */
const typed = (schema: v.GenericSchema<number, number>, what: string) =>
	v.pipe(
		v.string(`Enter ${what}.`),
		v.trim(),
		v.minLength(1, `Enter ${what}.`),
		v.transform(s => Number(s.replace(',', '.'))),
		schema,
	)
const checkbox = v.optional(
	v.pipe(
		v.string(),
		v.transform(s => s === 'on' || s === 'true'),
	),
	'',
)
const formId = (what: string) => v.pipe(v.string(), v.regex(ID, `That ${what} does not exist.`))

export const ProjectEditSchema = v.variant(
	'intent',
	[
		v.object({ intent: v.literal('rename'), name: ProjectNameSchema }),
		v.object({ intent: v.literal('add-track') }),
		v.object({
			intent: v.literal('track'),
			trackId: formId('track'),
			gain: typed(gain, 'the gain'),
			mute: checkbox,
			solo: checkbox,
		}),
		v.object({ intent: v.literal('move-track'), trackId: formId('track'), direction: v.picklist(['up', 'down']) }),
		v.object({ intent: v.literal('delete-track'), trackId: formId('track') }),
		v.object({
			intent: v.literal('add-clip'),
			trackId: formId('track'),
			/** `generationId:output`, from the library select. */
			source: v.pipe(
				v.string('Pick a sound from your library.'),
				v.regex(/^[0-9a-f-]{36}:[0-7]$/i, 'Pick a sound from your library.'),
			),
			start: typed(seconds('the start'), 'the start in seconds'),
		}),
		v.object({
			intent: v.literal('clip'),
			trackId: formId('track'),
			clipId: formId('clip'),
			start: typed(seconds('the start'), 'the start in seconds'),
			trimIn: typed(seconds('the trim in'), 'the trim in, in seconds'),
			trimOut: typed(seconds('the trim out'), 'the trim out, in seconds'),
			gain: typed(gain, 'the gain'),
		}),
		v.object({
			intent: v.literal('move-clip'),
			trackId: formId('track'),
			clipId: formId('clip'),
			direction: v.picklist(['up', 'down']),
		}),
		v.object({ intent: v.literal('delete-clip'), trackId: formId('track'), clipId: formId('clip') }),
		/**
		 * The editor's autosave: the whole document as JSON, checked by the same schema, and the revision it was
		 * made from (a save from an older revision than the stored one is refused).
		 */
		v.object({
			intent: v.literal('save'),
			revision: v.pipe(
				v.union([v.string(), v.number()], 'This save names no revision; reload the page.'),
				v.transform(Number),
				v.integer('This save names no revision; reload the page.'),
				v.minValue(1, 'This save names no revision; reload the page.'),
			),
			document: v.pipe(
				v.string(),
				v.maxLength(512 * 1024, 'That project is too large.'),
				v.rawTransform(({ dataset, addIssue, NEVER }) => {
					try {
						return JSON.parse(dataset.value) as unknown
					} catch {
						addIssue({ message: 'The project could not be read.' })
						return NEVER
					}
				}),
				ProjectDocumentSchema,
			),
		}),
		v.object({ intent: v.literal('mixdown') }),
		v.object({
			intent: v.literal('retry-mixdown'),
			generationId: v.pipe(
				v.string(),
				v.check((value: string) => isUuid(value), 'That mixdown does not exist.'),
			),
		}),
		v.object({ intent: v.literal('delete') }),
	],
	'Unknown action.',
)
export type ProjectEdit = v.InferOutput<typeof ProjectEditSchema>

export const NewProjectSchema = v.object({ name: ProjectNameSchema })
