/** The sound search's query, shared by the studio's search page and `/api/sounds/search`. */
import * as v from 'valibot'

export const SoundSearchSchema = v.object({
	q: v.pipe(
		v.optional(v.string(), ''),
		v.trim(),
		v.nonEmpty('Type what to search for.'),
		v.maxLength(200, 'Keep the search under 200 characters.'),
	),
})

/** Importing one Freesound result into the library: its Freesound id (the rest is read from Freesound again). */
export const FreesoundImportSchema = v.object({
	freesoundId: v.pipe(
		v.string('Pick a Freesound sound to import.'),
		v.trim(),
		v.regex(/^\d{1,12}$/, 'Pick a Freesound sound to import.'),
		v.transform(Number),
	),
})

/**
 * Where a library sound came from when someone else made it, kept in the generation's params (`credit`) and shown
 * with the sound wherever it appears: its title, author, licence and the attribution its licence asks for.
 */
export const SoundCreditSchema = v.object({
	source: v.literal('freesound'),
	id: v.number(),
	title: v.string(),
	author: v.string(),
	/** The licence's URL (a Creative Commons deed). */
	licence: v.string(),
	licenceName: v.string(),
	/** The sound's page on Freesound. */
	url: v.string(),
	attribution: v.string(),
})
export type SoundCredit = v.InferOutput<typeof SoundCreditSchema>

/** The credit stored in a generation's params, or null (for the user's own sounds, or params that do not parse). */
export function creditOf(params: Record<string, unknown>): SoundCredit | null {
	const parsed = v.safeParse(SoundCreditSchema, params.credit)
	return parsed.success ? parsed.output : null
}
