/** What the transcription form, `/api/transcribe` and the transcript page accept; shared by both sides. */
import * as v from 'valibot'

/** A language as ISO 639-1 ("en", "pt"), or absent for "detect it". */
export const LanguageSchema = v.optional(
	v.pipe(v.string(), v.trim(), v.toLowerCase(), v.regex(/^([a-z]{2})?$/, 'Pick a language from the list, or Detect.')),
)

export const TranscribeSchema = v.object({
	model: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'That model id is too long.'))),
	language: LanguageSchema,
	/** A library item (audio or video generation) instead of an upload. */
	generationId: v.optional(v.pipe(v.string(), v.trim(), v.uuid('Pick one of your recordings.'))),
})
export type TranscribeInput = v.InferOutput<typeof TranscribeSchema>

export const EditSegmentSchema = v.object({
	index: v.pipe(v.string(), v.regex(/^\d{1,6}$/, 'That segment does not exist.'), v.transform(Number)),
	text: v.pipe(v.string(), v.trim(), v.maxLength(5000, 'Keep a segment under 5,000 characters.')),
})
