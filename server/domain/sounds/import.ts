/**
 * Importing a Freesound sound into the user's library. The id is all the form sends: the sound's name, author and
 * licence are read again from Freesound's API (never taken from the form), its preview (the HQ MP3 Freesound
 * serves with an API key; the original file needs OAuth) is downloaded under the output rules — allowed hosts
 * only, a size cap, the type sniffed from the bytes and refused unless it is audio — and stored with its peaks as
 * a finished audio generation (model `freesound:import`) whose params keep the licence and attribution (`credit`),
 * shown with the sound wherever it appears. Importing the same sound again returns the first import.
 */
import * as v from 'valibot'
import type { Config } from '#server/config.ts'
import { logger } from '#server/logger.ts'
import type { FetchedOutput } from '#server/storage/fetch-output.ts'
import type { Actor } from '../actor.ts'
import { storeWaveform } from '../audio/waveforms.ts'
import type { DomainDeps } from '../deps.ts'
import { COLUMNS, toGeneration, type Generation, type GenerationOutput, type Row } from '../generations/rows.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { freesoundCredit, FreesoundSoundSchema, FREESOUND_FIELDS, FREESOUND_TIMEOUT_MS } from './freesound.ts'
import type { SoundCredit } from './schema.ts'

/** The model an imported sound is recorded under: fetched, not generated, at no provider cost. */
export const FREESOUND_IMPORT_MODEL = 'freesound:import'

/** The largest file an import downloads (Freesound's HQ previews are a few MB). */
export const FREESOUND_IMPORT_MAX_BYTES = 50 * 1024 * 1024

/** Downloads a file under the output rules (allowed hosts, size cap, sniffed type); built in services.ts. */
export type FreesoundFetcher = (url: string) => Promise<FetchedOutput>

export function createFreesoundImport(
	deps: Pick<DomainDeps, 'db' | 'storage'> & { config: Pick<Config, 'freesound'>; fetchFile: FreesoundFetcher },
) {
	const { config, db, storage } = deps

	/** The user's earlier import of this Freesound sound, if any. */
	async function imported(actor: Actor, freesoundId: number): Promise<Generation | null> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations
				 where user_id = $1 and model = $2 and params->'credit'->>'id' = $3 and status = 'succeeded'
					and deleted_at is null
				 order by created_at desc limit 1`,
				[actor.id, FREESOUND_IMPORT_MODEL, String(freesoundId)],
			)
			return rows[0] ? toGeneration(rows[0]) : null
		})
	}

	/** The sound's details from Freesound's API, or why they could not be read. */
	async function details(freesoundId: number) {
		const settings = config.freesound
		if (!settings) return refuse(404, 'freesound_off', 'Freesound is not configured on this server.')
		const url = new URL(`${settings.baseUrl.replace(/\/$/, '')}/sounds/${freesoundId}/`)
		url.searchParams.set('fields', FREESOUND_FIELDS)
		try {
			const response = await fetch(url, {
				headers: { Authorization: `Token ${settings.apiKey}`, Accept: 'application/json' },
				signal: AbortSignal.timeout(FREESOUND_TIMEOUT_MS),
			})
			if (response.status === 404) return refuse(404, 'not_found', 'Freesound has no sound with that id.')
			if (!response.ok) {
				logger.warn('freesound sound details refused', { status: response.status, freesoundId })
				return refuse(503, 'freesound_unavailable', 'Freesound could not answer; try the import again later.')
			}
			const parsed = v.safeParse(FreesoundSoundSchema, await response.json())
			if (!parsed.success) return refuse(503, 'freesound_unreadable', 'Freesound sent an answer we could not read.')
			return parsed.output
		} catch (error) {
			logger.warn('freesound sound details failed', { error, freesoundId })
			return refuse(503, 'freesound_unavailable', 'Freesound could not be reached; try the import again later.')
		}
	}

	async function importSound(actor: Actor, freesoundId: number): Promise<{ generation: Generation } | Refusal> {
		if (!config.freesound) return refuse(404, 'freesound_off', 'Freesound is not configured on this server.')
		const earlier = await imported(actor, freesoundId)
		if (earlier) return { generation: earlier }
		const sound = await details(freesoundId)
		if ('refused' in sound) return sound
		const preview = sound.previews['preview-hq-mp3'] ?? sound.previews['preview-lq-mp3']
		if (!preview) return refuse(422, 'no_preview', 'Freesound offers no file of this sound to import.')
		let fetched: FetchedOutput
		try {
			fetched = await deps.fetchFile(preview)
		} catch (error) {
			logger.warn('freesound preview download refused', { error, freesoundId })
			const message = error instanceof Error ? error.message : 'The download failed.'
			return refuse(422, 'download_refused', `The sound could not be imported: ${message}`)
		}
		if (fetched.type.kind !== 'audio') {
			return refuse(415, 'not_audio', 'Freesound’s file for this sound is not audio we can read; it was not imported.')
		}
		const credit: SoundCredit = freesoundCredit(sound)
		const saved = await storage.put({
			bucket: 'media',
			userId: actor.id,
			data: fetched.bytes,
			filename: `freesound-${sound.id}.${fetched.type.ext}`,
		})
		const output: GenerationOutput = {
			bucket: saved.bucket,
			key: saved.key,
			contentType: saved.contentType,
			kind: saved.kind,
			size: saved.size,
			...(await storeWaveform(storage, actor.id, fetched.bytes)),
		}
		try {
			// The user makes the row (RLS: their own); its output is written as a worker writes outputs, privileged
			// (users may not set a generation's outputs themselves).
			const id = await db.asUser(actor.id, async tx => {
				const { rows } = await tx.query<{ id: string }>(
					`insert into public.generations (user_id, kind, status, provider, model, prompt, params)
					 values ($1, 'audio', 'running', 'offline', $2, $3, $4) returning id`,
					[
						actor.id,
						FREESOUND_IMPORT_MODEL,
						sound.name,
						JSON.stringify({ source: 'freesound', mode: 'effects', credit }),
					],
				)
				return (rows[0] as { id: string }).id
			})
			const { rows } = await db.privileged(tx =>
				tx.query<Row>(
					`update public.generations set status = 'succeeded', outputs = $3, started_at = now(), completed_at = now()
					 where id = $1 and user_id = $2 returning ${COLUMNS}`,
					[id, actor.id, JSON.stringify([output])],
				),
			)
			return { generation: toGeneration(rows[0] as Row) }
		} catch (error) {
			// The sound was not recorded: do not keep its files.
			await storage.remove('media', [output.key, ...(output.waveform ? [output.waveform.key] : [])])
			throw error
		}
	}

	return { importSound }
}

export type FreesoundImport = ReturnType<typeof createFreesoundImport>
