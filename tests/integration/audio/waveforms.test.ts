/**
 * Waveform peaks made when audio is stored: measured with ffmpeg from the real samples, kept as a JSON file beside
 * the audio (its key among the generation's files, so purging removes it) and a short preview in the row. A file
 * ffmpeg cannot read keeps no waveform and still plays. Both drivers (PGlite and, with DATABASE_URL, Postgres).
 */
import { describe, expect, test } from 'vitest'
import { readPeaks, storeWaveform } from '#server/domain/audio/waveforms.ts'
import { outputKeys } from '#server/domain/generations/rows.ts'
import { PREVIEW_POINTS, computePeaks, downsample } from '#server/media/audio.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { settled } from '#tests/support/generations.ts'
import { stereoWav } from '#tests/support/samples.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

/** One second of silence, then one second at half scale (a square wave), 44.1 kHz stereo. */
function silenceThenHalf(): Uint8Array {
	const rate = 44_100
	return stereoWav(rate * 2, rate, i => (i < rate ? 0 : i % 100 < 50 ? 16_384 : -16_384))
}

describe('peaks of a file', () => {
	test('are the loudest sample per window, from the decoded samples', async () => {
		const peaks = await computePeaks(silenceThenHalf())
		expect(peaks.duration).toBe(2)
		expect(peaks.peaksPerSecond).toBe(50)
		expect(peaks.peaks).toHaveLength(100)
		expect(peaks.peaks.slice(0, 50).every(p => p === 0)).toBe(true)
		// 16384 / 32768 of full scale, as 0..255 rounded up.
		expect(new Set(peaks.peaks.slice(50))).toEqual(new Set([128]))
	})

	test('a file ffmpeg cannot read is refused', async () => {
		await expect(computePeaks(new TextEncoder().encode('not audio at all'))).rejects.toThrow(/ffmpeg/)
	})

	test('downsampling keeps the loudest of each run', () => {
		expect(downsample([1, 9, 2, 3, 8, 4], 3)).toEqual([9, 3, 8])
		expect(downsample([5, 6], 4)).toEqual([5, 6])
	})
})

describe.each(testDrivers())('waveforms of stored audio on %s', driver => {
	const t = useTestServices(driver, { env: { RATE_LIMITS: 'generation=1000/60' } })

	test('a generated sound is stored with its length, a peaks file beside it and a preview', async () => {
		const user = await createUser(t.services.db)
		const done = await settled(t.services, user, {
			kind: 'audio',
			mode: 'speech',
			prompt: 'Hello there.',
			durationSeconds: 5,
		})
		expect(done.status, done.error ?? '').toBe('succeeded')
		const output = done.outputs[0]
		expect(output?.kind).toBe('audio')
		expect(output?.duration).toBeGreaterThan(0)
		expect(output?.waveform?.preview.length).toBeGreaterThan(0)
		expect(output?.waveform?.preview.length).toBeLessThanOrEqual(PREVIEW_POINTS)
		expect(output?.waveform?.preview.some(p => p > 0)).toBe(true)
		const key = output?.waveform?.key ?? ''
		expect(outputKeys(done.outputs)).toContain(key)
		const peaks = await readPeaks(t.services.storage, 'media', key)
		expect(peaks?.duration).toBe(output?.duration)
		expect(peaks?.peaks.length).toBeGreaterThan(0)
	})

	test('an unreadable file keeps no waveform; peaks that are not peaks read as none', async () => {
		const user = await createUser(t.services.db)
		expect(await storeWaveform(t.services.storage, user.id, new TextEncoder().encode('plain text'))).toEqual({})
		const other = await t.services.storage.put({
			bucket: 'media',
			userId: user.id,
			data: new TextEncoder().encode('{"version":2}'),
			contentType: 'application/json',
			companion: 'json',
		})
		expect(await readPeaks(t.services.storage, 'media', other.key)).toBeNull()
	})

	test('the media bucket still refuses JSON that is not the server’s own companion file', async () => {
		const user = await createUser(t.services.db)
		await expect(
			t.services.storage.put({
				bucket: 'media',
				userId: user.id,
				data: new TextEncoder().encode('{"a":1}'),
				contentType: 'application/json',
			}),
		).rejects.toThrow(/not an image, audio or video/)
	})
})
