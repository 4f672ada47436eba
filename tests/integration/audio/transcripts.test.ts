/**
 * Transcription on both drivers, with everything real but the vendor: an upload sniffed by its bytes, cut into
 * chunks under the model's limit by ffmpeg and the segments' times stitched, progress as it goes, a library pick
 * (and another user's refused), Whisper through the real SDK against the stub, edits, the formats' rules, and the
 * refusals (bad file, too large, over budget, provider error).
 */
import { describe, expect, test } from 'vitest'
import type { Transcript } from '#server/domain/transcripts/index.ts'
import { formatTranscript } from '#server/domain/transcripts/formats.ts'
import type { Services } from '#server/services.ts'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { settled } from '#tests/support/generations.ts'
import { pdf, wav } from '#tests/support/samples.ts'
import { waitFor } from '#tests/support/wait.ts'
import { openaiEnv, requestsFrom, useTestServices } from '#tests/support/suite-services.ts'

/** The transcript once it is no longer queued or running. */
async function settle(services: Services, userId: string, id: string): Promise<Transcript> {
	let last = ''
	return waitFor(
		`transcript ${id} to finish`,
		async () => {
			const t = await services.transcripts.get({ id: userId }, id)
			if ('refused' in t) throw new Error(t.message)
			last = t.status
			return t.status !== 'queued' && t.status !== 'running' && t
		},
		{ timeoutMs: 30_000, intervalMs: 100, detail: () => `still ${last}` },
	)
}

function made(result: Transcript | { refused: true; message: string }): Transcript {
	if ('refused' in result) throw new Error(`refused: ${result.message}`)
	return result
}

/** `seconds` of 8 kHz mono WAV. */
const recording = (seconds: number) => wav(8000 * seconds)

describe.each(testDrivers())('transcription on %s', driver => {
	const t = useTestServices(driver, {
		stubs: { openai: () => startOpenAIStub() },
		env: stubs => ({ ...openaiEnv(stubs.openai), PROVIDER_TIMEOUT_SECONDS: '5', TRANSCRIBE_MAX_MB: '1' }),
	})

	test('a long upload is cut into chunks under the limit and the times are stitched end to end', async () => {
		const user = await createUser(t.services.db)
		const created = made(
			await t.services.transcripts.create(
				user,
				{ model: 'offline:transcribe' },
				{ name: 'memo.wav', data: recording(25) },
			),
		)
		expect(created).toMatchObject({ status: 'queued', name: 'memo.wav', contentType: 'audio/wav', progress: 0 })
		const done = await settle(t.services, user.id, created.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.progress).toBe(1)
		expect(done.duration).toBeCloseTo(25, 1)
		// Three chunks of about 10 seconds (ffmpeg cuts at a packet boundary), each transcribed from its own 0 s:
		// three segments say so, and the stitched times run on without a gap or an overlap from 0 to 25 s.
		expect(done.segments.filter(s => s.text.startsWith('(Offline demo) Seconds 0 to'))).toHaveLength(3)
		expect(done.segments[0]?.start).toBe(0)
		expect(done.segments.at(-1)?.end).toBeCloseTo(25, 1)
		for (const [i, s] of done.segments.entries()) {
			expect(s.end).toBeGreaterThan(s.start)
			if (i > 0) expect(s.start).toBeCloseTo(done.segments[i - 1]!.end, 3)
		}
	})

	test('Whisper through the SDK: verbose segments, the language asked for, the cost per second', async () => {
		const user = await createUser(t.services.db)
		const transcriptions = requestsFrom(t.stubs.openai, 'transcriptions')
		const created = made(
			await t.services.transcripts.create(
				user,
				{ model: 'openai:whisper-1', language: 'en' },
				{ name: 'talk.wav', data: recording(3) },
			),
		)
		const done = await settle(t.services, user.id, created.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		const sent = transcriptions()
		expect(sent).toHaveLength(1)
		expect(sent[0]?.form).toMatchObject({ model: 'whisper-1', language: 'en', response_format: 'verbose_json' })
		expect(done.segments).toEqual([
			{ start: 0, end: 1.5, text: expect.stringMatching(/^First half of chunk-1\.wav/) },
			{ start: 1.5, end: 3, text: 'Second half.' },
		])
		expect(done.language).toBe('en')
		expect(done.costMicros).toBe(300) // 3 seconds at 100 micro-dollars
		const usage = await t.services.db.privileged(tx =>
			tx.query<{ capability: string; cost_micros: string }>(
				'select capability, cost_micros from api_usage where user_id = $1',
				[user.id],
			),
		)
		expect(usage.rows).toEqual([{ capability: 'transcribe', cost_micros: expect.anything() }])
		expect(Number(usage.rows[0]?.cost_micros)).toBe(300)
	})

	test('SRT and WebVTT follow their rules; TXT and JSON carry the edited text', async () => {
		const user = await createUser(t.services.db)
		const done = await settle(
			t.services,
			user.id,
			made(
				await t.services.transcripts.create(
					user,
					{ model: 'offline:transcribe' },
					{ name: 'a.wav', data: recording(5) },
				),
			).id,
		)
		const edited = made(await t.services.transcripts.editSegment(user, done.id, 1, 'Corrected text.'))
		expect(edited.segments[1]?.text).toBe('Corrected text.')
		const again = made(await t.services.transcripts.get(user, done.id))
		expect(again.segments[1]).toMatchObject({ start: 2, text: 'Corrected text.' })

		const srt = formatTranscript('srt', again)
		const cues = srt.trim().split(/\n\n/)
		expect(cues).toHaveLength(3)
		for (const [i, cue] of cues.entries()) {
			const [index, times, ...text] = cue.split('\n')
			expect(index).toBe(String(i + 1))
			expect(times).toMatch(/^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/)
			expect(text.join('\n').length).toBeGreaterThan(0)
		}
		expect(cues[1]).toBe('2\n00:00:02,000 --> 00:00:04,000\nCorrected text.')
		const vtt = formatTranscript('vtt', again)
		expect(vtt.startsWith('WEBVTT\n\n')).toBe(true)
		const vttCues = vtt.slice('WEBVTT\n\n'.length).trim().split(/\n\n/)
		expect(vttCues).toHaveLength(3)
		for (const cue of vttCues)
			expect(cue.split('\n')[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/)
		expect(vttCues[2]?.split('\n')[0]).toBe('00:00:04.000 --> 00:00:05.000')
		expect(formatTranscript('txt', again).split('\n')[1]).toBe('Corrected text.')
		expect(JSON.parse(formatTranscript('json', again))).toMatchObject({ segments: again.segments })

		// Another user can neither read nor edit it.
		const stranger = await createUser(t.services.db)
		expect(await t.services.transcripts.get(stranger, done.id)).toMatchObject({ refused: true, status: 404 })
		expect(await t.services.transcripts.editSegment(stranger, done.id, 0, 'mine')).toMatchObject({ status: 404 })
	})

	test('a library pick is transcribed from the item; another user’s item is refused', async () => {
		const owner = await createUser(t.services.db)
		const rain = { kind: 'audio', mode: 'effects', prompt: 'rain', model: 'offline:music', durationSeconds: 3 } as const
		const sound = await settled(t.services, owner, rain)
		expect(sound.status).toBe('succeeded')
		const done = await settle(
			t.services,
			owner.id,
			made(await t.services.transcripts.create(owner, { generationId: sound.id }, null)).id,
		)
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.sourceGenerationId).toBe(sound.id)
		expect(done.duration).toBeCloseTo(3, 1)

		const stranger = await createUser(t.services.db)
		expect(await t.services.transcripts.create(stranger, { generationId: sound.id }, null)).toMatchObject({
			refused: true,
			status: 404,
		})
	})

	test('refusals: not audio, too large, nothing chosen, over budget; a provider error fails it in words', async () => {
		const user = await createUser(t.services.db)
		expect(await t.services.transcripts.create(user, {}, { name: 'x.pdf', data: pdf() })).toMatchObject({
			refused: true,
			status: 415,
			fields: { file: ['That file is not audio or video.'] },
		})
		expect(await t.services.transcripts.create(user, {}, { name: 'big.wav', data: recording(70) })).toMatchObject({
			refused: true,
			status: 413,
		})
		expect(await t.services.transcripts.create(user, {}, null)).toMatchObject({ refused: true, status: 400 })

		const poor = await createUser(t.services.db, { monthlyBudgetUsd: 0 })
		const before = t.stubs.openai.requests.length
		expect(
			await t.services.transcripts.create(poor, { model: 'openai:whisper-1' }, { name: 'a.wav', data: recording(3) }),
		).toMatchObject({ refused: true, status: 402, code: 'budget_exceeded' })
		expect(t.stubs.openai.requests.length).toBe(before)

		t.stubs.openai.enqueue('transcriptions', {
			status: 400,
			error: { message: 'Bad audio', type: 'invalid_request_error' },
		})
		const failed = await settle(
			t.services,
			user.id,
			made(
				await t.services.transcripts.create(user, { model: 'openai:whisper-1' }, { name: 'a.wav', data: recording(2) }),
			).id,
		)
		expect(failed.status).toBe('failed')
		expect(failed.error).toBeTruthy()
	})
})
