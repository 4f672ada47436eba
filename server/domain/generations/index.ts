/**
 * The generation lifecycle: create (validated input, budget, idempotency, then row + job in one
 * transaction), run (worker: provider call with retries, outputs copied into our storage, usage recorded),
 * completion of long predictions by webhook or polling, and cancel / retry / delete.
 *
 * Where each part lives: ./commands.ts (what a person asks: create, read, cancel, retry, delete),
 * ./worker.ts (the `generation.run` and `generation.poll` jobs, and predictions applied from webhooks; it calls
 * providers through ./provider-calls.ts, retries and long speech, and stores files through ./outputs.ts),
 * ./rows.ts (the row shape, and the stored request parsed back through its schema), ./images.ts (the image
 * studio's rules: requests fitted to their model, source images, vary and upscale), ./video.ts (the video
 * studio's: lengths, aspects and resolutions per model, image to video), ./audio.ts (the audio studio's: voices,
 * formats, speed and instructions per speech model, music or effects per sound model, long speech split), ./gallery.ts (browsing:
 * gallery pages, lineage, neighbours), ./edits.ts (the canvas editor: inpaint, crop, save as new), ./webhooks.ts.
 *
 * Users act through `db.asUser` (row-level security applies); the worker, the poller and webhooks are the
 * only privileged paths, and say so.
 */
import { EventEmitter } from 'node:events'
import type { Limits } from '#server/limits/index.ts'
import { createCommands } from './commands.ts'
import { createEdits } from './edits.ts'
import { createGallery } from './gallery.ts'
import { RunDataSchema, type Generation } from './rows.ts'
import { createReads } from './reads.ts'
import type { OutputFetcher } from './outputs.ts'
import { createWorker } from './worker.ts'
import type { DomainDeps } from '../deps.ts'

export type { Actor } from '../actor.ts'
export type { Generation, GenerationOutput, ViewableOutput } from './rows.ts'
export { isPending, relationOf } from './rows.ts'
export { decodeCursor } from './gallery.ts'
export { imageModels, upscalers } from './images.ts'
export { videoModels } from './video.ts'
export { soundModels, speechModels, splitSpeech, voiceSample } from './audio.ts'
export type { FetchedOutput, OutputFetcher } from './outputs.ts'

export type GenerationsDeps = DomainDeps & {
	/** Every start of provider work (create, retry) counts against the `generation` policy here. */
	limits: Pick<Limits, 'consume' | 'reward'>
	fetchOutput: OutputFetcher
	/** In-call retries of a provider error that says "try again" (429, 5xx), before the attempt gives up. */
	providerRetries?: { attempts: number; baseDelayMs: number; maxDelayMs: number }
	/** How long to wait between polls of a long prediction when no webhook arrives. */
	pollIntervalSeconds?: number
}

export function createGenerations(deps: GenerationsDeps) {
	const { jobs } = deps
	/** Status changes in this process; SSE streams listen here and also re-read the row now and then. */
	const events = new EventEmitter()
	events.setMaxListeners(0)
	const announce = (generation: Pick<Generation, 'id' | 'status'>) => events.emit(generation.id, generation.status)

	const commands = createCommands({ ...deps, announce })
	const reads = createReads(deps)
	const gallery = createGallery(deps)
	const worker = createWorker({
		...deps,
		providerRetries: deps.providerRetries ?? { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 },
		pollIntervalSeconds: deps.pollIntervalSeconds ?? 5,
		announce,
	})

	const edits = createEdits({
		db: deps.db,
		storage: deps.storage,
		providers: deps.providers,
		finishedImage: commands.finishedImage,
		create: commands.create,
		createVideo: commands.create,
		storeOutputs: worker.storeOutputs,
	})

	/** Resolves when the generation changes status (or after `timeoutMs`), for live updates. */
	function waitForChange(id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		return new Promise(resolve => {
			const done = () => {
				clearTimeout(timer)
				events.off(id, done)
				signal?.removeEventListener('abort', done)
				resolve()
			}
			const timer = setTimeout(done, timeoutMs)
			events.on(id, done)
			signal?.addEventListener('abort', done)
		})
	}

	return {
		...reads,
		...commands,
		inpaint: edits.inpaint,
		crop: edits.crop,
		saveAsNew: edits.saveAsNew,
		videoFromUpload: edits.videoFromUpload,
		gallery: gallery.page,
		lineage: gallery.lineage,
		neighbours: gallery.neighbours,
		run: worker.run,
		poll: worker.poll,
		applyPrediction: worker.applyPrediction,
		waitForChange,
		/** Tells this process's live views that a generation changed status (for work done outside this module). */
		announce,
		/** Registers the workers with the job engine (the web-only role skips this). */
		async startWorkers() {
			await jobs.work('generation.run', worker.run, { data: RunDataSchema, batchSize: 2, pollingIntervalSeconds: 0.5 })
			await jobs.work('generation.poll', worker.poll, { data: RunDataSchema })
		},
	}
}

export type Generations = ReturnType<typeof createGenerations>
