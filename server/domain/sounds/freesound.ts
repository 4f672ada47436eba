/**
 * What the search and the import share about Freesound's API v2: the fields asked for, the time limit, the shape
 * of one sound, a licence URL in words, and the credit (title, author, licence, attribution) a sound carries.
 */
import * as v from 'valibot'
import type { SoundCredit } from './schema.ts'

/** How long Freesound gets to answer before we go on without it. */
export const FREESOUND_TIMEOUT_MS = 5000
export const FREESOUND_FIELDS = 'id,name,license,username,url,duration,previews'

export const FreesoundSoundSchema = v.object({
	id: v.number(),
	name: v.string(),
	license: v.string(),
	username: v.string(),
	url: v.optional(v.string()),
	duration: v.optional(v.number()),
	previews: v.optional(v.record(v.string(), v.string()), {}),
})
export type FreesoundApiSound = v.InferOutput<typeof FreesoundSoundSchema>

/** A licence URL in words: "CC0 1.0", "CC BY 4.0", "CC BY-NC 3.0"; otherwise the URL itself. */
export function licenceName(url: string): string {
	const cc = /creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)\/(\d\.\d)/i.exec(url)
	if (!cc) return url
	const kind = (cc[2] ?? '').toLowerCase()
	return kind === 'zero' ? `CC0 ${cc[3]}` : `CC ${kind.toUpperCase()} ${cc[3]}`
}

/** Who made a Freesound sound and under which licence, with the attribution line its licence asks for. */
export function freesoundCredit(sound: FreesoundApiSound): SoundCredit {
	const name = licenceName(sound.license)
	return {
		source: 'freesound',
		id: sound.id,
		title: sound.name,
		author: sound.username,
		licence: sound.license,
		licenceName: name,
		url: sound.url ?? `https://freesound.org/s/${sound.id}/`,
		attribution: `“${sound.name}” by ${sound.username} (freesound.org), ${name}`,
	}
}
