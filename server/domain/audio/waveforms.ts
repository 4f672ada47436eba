/**
 * Waveforms of stored audio: computed once when a file is stored (server/media/audio.ts), the full peaks kept as
 * a JSON file beside it and a short preview in the row. Read back by the editor, never recomputed per view.
 */
import * as v from 'valibot'
import { logger } from '#server/logger.ts'
import { audioFacts, type AudioPeaks } from '#server/media/audio.ts'
import type { Bucket, Storage } from '#server/storage/index.ts'
import type { StoredWaveform } from '../generations/rows.ts'

/**
 * Computes and stores the waveform of an audio file owned by `userId`. A file ffmpeg cannot read keeps none:
 * cards and the editor then draw a flat line, and the file still plays.
 */
export async function storeWaveform(
	storage: Storage,
	userId: string,
	data: Uint8Array,
): Promise<{ duration?: number; waveform?: StoredWaveform }> {
	let facts: Awaited<ReturnType<typeof audioFacts>>
	try {
		facts = await audioFacts(data)
	} catch (error) {
		logger.warn('no waveform for an audio output', { error })
		return {}
	}
	const json = new TextEncoder().encode(JSON.stringify(facts.peaks))
	const saved = await storage.put({
		bucket: 'media',
		userId,
		data: json,
		contentType: 'application/json',
		filename: 'peaks.json',
		companion: 'json',
	})
	return { duration: facts.duration, waveform: { key: saved.key, size: saved.size, preview: facts.preview } }
}

/** Reads a stored peaks file back; null when it is missing or not peaks (the editor then draws a flat line). */
export async function readPeaks(storage: Storage, bucket: Bucket, key: string): Promise<AudioPeaks | null> {
	try {
		const file = await storage.get(bucket, key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
		if (!isPeaks(parsed)) return null
		return parsed
	} catch (error) {
		logger.warn('could not read waveform peaks', { error, key })
		return null
	}
}

const PeaksSchema = v.object({
	version: v.literal(1),
	duration: v.pipe(v.number(), v.minValue(0)),
	peaksPerSecond: v.pipe(v.number(), v.minValue(0)),
	peaks: v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255))),
})

function isPeaks(value: unknown): value is AudioPeaks {
	return v.is(PeaksSchema, value)
}
