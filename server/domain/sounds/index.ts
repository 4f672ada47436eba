/**
 * Sound search for the audio studio and `/api/sounds/search`: the user's own audio (Postgres full-text search
 * over its prompts, through `db.asUser`, so only their rows) and, when FREESOUND_API_KEY is set, Freesound's
 * text search over HTTP with a time limit. Freesound's licence and author come with every result, to be shown
 * and kept. A Freesound that is down, slow or refusing leaves the library results and says so.
 */
import * as v from 'valibot'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import type { Actor } from '../actor.ts'

export { SoundSearchSchema } from './schema.ts'

export type LibrarySound = { id: string; prompt: string; mode: string; createdAt: Date }

export type FreesoundSound = {
	id: number
	name: string
	/** The licence's URL, as Freesound gives it (a Creative Commons deed). */
	licence: string
	licenceName: string
	author: string
	/** The sound's page on Freesound: the attribution links here. */
	url: string
	previewUrl: string | null
	duration: number | null
	/** "“Rain” by alice (freesound.org), CC BY 4.0": what to credit when the sound is used. */
	attribution: string
}

export type SoundSearchResult = {
	library: LibrarySound[]
	/** Null when no key is configured; an error in words when Freesound could not answer. */
	freesound: { results: FreesoundSound[]; error: string | null } | null
}

/** How long Freesound gets to answer before the search goes on without it. */
const FREESOUND_TIMEOUT_MS = 5000

/** A licence URL in words: "CC0 1.0", "CC BY 4.0", "CC BY-NC 3.0"; otherwise the URL itself. */
export function licenceName(url: string): string {
	const cc = /creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)\/(\d\.\d)/i.exec(url)
	if (!cc) return url
	const kind = (cc[2] ?? '').toLowerCase()
	return kind === 'zero' ? `CC0 ${cc[3]}` : `CC ${kind.toUpperCase()} ${cc[3]}`
}

const FreesoundResponse = v.object({
	results: v.array(
		v.object({
			id: v.number(),
			name: v.string(),
			license: v.string(),
			username: v.string(),
			url: v.optional(v.string()),
			duration: v.optional(v.number()),
			previews: v.optional(v.record(v.string(), v.string())),
		}),
	),
})

export function createSounds(deps: { config: Pick<Config, 'freesound'>; db: Db }) {
	const { config, db } = deps

	async function library(actor: Actor, q: string): Promise<LibrarySound[]> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{ id: string; prompt: string; mode: string | null; created_at: Date }>(
				`select id, prompt, params->>'mode' as mode, created_at from public.generations
				 where kind = 'audio' and deleted_at is null and status = 'succeeded'
					and to_tsvector('simple', prompt) @@ plainto_tsquery('simple', $1)
				 order by ts_rank(to_tsvector('simple', prompt), plainto_tsquery('simple', $1)) desc, created_at desc
				 limit 20`,
				[q],
			)
			return rows.map(r => ({ id: r.id, prompt: r.prompt, mode: r.mode ?? 'speech', createdAt: r.created_at }))
		})
	}

	async function freesound(q: string): Promise<{ results: FreesoundSound[]; error: string | null } | null> {
		if (!config.freesound) return null
		const url = new URL(`${config.freesound.baseUrl.replace(/\/$/, '')}/search/text/`)
		url.searchParams.set('query', q)
		url.searchParams.set('fields', 'id,name,license,username,url,duration,previews')
		url.searchParams.set('page_size', '12')
		try {
			const response = await fetch(url, {
				headers: { Authorization: `Token ${config.freesound.apiKey}`, Accept: 'application/json' },
				signal: AbortSignal.timeout(FREESOUND_TIMEOUT_MS),
			})
			if (!response.ok) {
				logger.warn('freesound search refused', { status: response.status })
				const why = response.status === 429 ? 'is busy (too many searches)' : 'could not answer'
				return { results: [], error: `Freesound ${why}; your own sounds are listed. Try again later.` }
			}
			const parsed = v.safeParse(FreesoundResponse, await response.json())
			if (!parsed.success) return { results: [], error: 'Freesound sent an answer we could not read.' }
			return {
				results: parsed.output.results.map(r => {
					const page = r.url ?? `https://freesound.org/s/${r.id}/`
					const name = licenceName(r.license)
					return {
						id: r.id,
						name: r.name,
						licence: r.license,
						licenceName: name,
						author: r.username,
						url: page,
						previewUrl: r.previews?.['preview-hq-mp3'] ?? r.previews?.['preview-lq-mp3'] ?? null,
						duration: r.duration ?? null,
						attribution: `“${r.name}” by ${r.username} (freesound.org), ${name}`,
					}
				}),
				error: null,
			}
		} catch (error) {
			logger.warn('freesound search failed', { error })
			const timedOut = error instanceof Error && error.name === 'TimeoutError'
			return {
				results: [],
				error: timedOut
					? 'Freesound took too long to answer; your own sounds are listed. Try again later.'
					: 'Freesound could not be reached; your own sounds are listed. Try again later.',
			}
		}
	}

	async function search(actor: Actor, q: string): Promise<SoundSearchResult> {
		const [own, remote] = await Promise.all([library(actor, q), freesound(q)])
		return { library: own, freesound: remote }
	}

	return { search }
}

export type Sounds = ReturnType<typeof createSounds>
