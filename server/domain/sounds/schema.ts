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
