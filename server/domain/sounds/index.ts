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

import { freesoundCredit, FreesoundSoundSchema, FREESOUND_FIELDS, FREESOUND_TIMEOUT_MS } from './freesound.ts'

export { SoundSearchSchema } from './schema.ts'
export { licenceName } from './freesound.ts'

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

const FreesoundResponse = v.object({ results: v.array(FreesoundSoundSchema) })

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
		url.searchParams.set('fields', FREESOUND_FIELDS)
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
					const credit = freesoundCredit(r)
					return {
						id: r.id,
						name: r.name,
						licence: r.license,
						licenceName: credit.licenceName,
						author: r.username,
						url: credit.url,
						previewUrl: r.previews['preview-hq-mp3'] ?? r.previews['preview-lq-mp3'] ?? null,
						duration: r.duration ?? null,
						attribution: credit.attribution,
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
