/**
 * The audio studio on the generation pipeline, with everything real but the vendors (PGlite and, with
 * DATABASE_URL, Postgres): speech fitted to its model (voice, format, speed, instructions), long text split under
 * the model's input limit and joined with ffmpeg into one file, music and sound effects from the offline model
 * (deterministic, different by prompt), OpenAI's speech through the real SDK against the stub, and the refusals.
 */
import { describe, expect, test } from 'vitest'
import type { GenerationRequest } from '#server/domain/generations/schema.ts'
import { sniffAudio } from '#server/providers/media.ts'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { settle, settled, bytesOf, created } from '#tests/support/generations.ts'
import { openaiEnv, requestsFrom, useTestServices } from '#tests/support/suite-services.ts'

type AudioRequest = Extract<GenerationRequest, { kind: 'audio' }>

const audio = (prompt: string, extra: Partial<AudioRequest> = {}): AudioRequest => ({
	kind: 'audio',
	mode: 'speech',
	prompt,
	durationSeconds: 8,
	...extra,
})

/** Sentences of about 60 characters each, `count` of them. */
const sentences = (count: number) =>
	Array.from({ length: count }, (_, i) => `Sentence number ${i + 1} is here to make the text long.`).join(' ')

describe.each(testDrivers())('the audio studio on %s', driver => {
	const t = useTestServices(driver, {
		stubs: { openai: () => startOpenAIStub() },
		env: stubs => ({ ...openaiEnv(stubs.openai), PROVIDER_TIMEOUT_SECONDS: '5', RATE_LIMITS: 'generation=1000/60' }),
	})

	test('long speech is spoken in parts under the limit and stored as one file, as long as the parts', async () => {
		const user = await createUser(t.services.db)
		const short = await settled(t.services, user, audio('Sentence number 1 is here.', { model: 'offline:speech' }))
		const text = sentences(20) // about 1,100 characters; the offline model takes 400 at a time
		const g = created(await t.services.generations.create(user, audio(text, { model: 'offline:speech' })))
		// Blank fields became the model's defaults, stored so the page says what was made.
		expect(g.params).toMatchObject({ mode: 'speech', voice: 'tone', format: 'wav' })
		const done = await settle(t.services, user.id, g.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.outputs).toHaveLength(1)
		const output = done.outputs[0]!
		expect(output).toMatchObject({ kind: 'audio', contentType: 'audio/wav' })
		const facts = sniffAudio(await bytesOf(t.services, output.key))
		expect(facts?.contentType).toBe('audio/wav')
		// Twenty sentences take far longer than one, and the stored duration is the file's own.
		expect(output.duration).toBeCloseTo(facts?.durationSeconds ?? 0, 2)
		// The joined file has its waveform like any stored audio.
		expect(output.waveform?.preview.length).toBeGreaterThan(0)
		expect(output.duration!).toBeGreaterThan((short.outputs[0]?.duration ?? Infinity) * 10)
		expect(done.costMicros).toBe(0)
	})

	test('OpenAI speech: every part goes through the SDK with the voice, format, speed; the parts are joined', async () => {
		const user = await createUser(t.services.db)
		const speech = requestsFrom(t.stubs.openai, 'speech')
		const text = sentences(100) // about 5,600 characters: over TTS 1's 4,096
		const g = created(
			await t.services.generations.create(
				user,
				audio(text, { model: 'openai:tts-1', voice: 'nova', format: 'wav', speed: 1.25 }),
			),
		)
		const done = await settle(t.services, user.id, g.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		const sent = speech()
		expect(sent).toHaveLength(2)
		for (const request of sent) {
			const body = request.json as { input: string; voice: string; response_format: string; speed: number }
			expect(body).toMatchObject({ model: 'tts-1', voice: 'nova', response_format: 'wav', speed: 1.25 })
			expect(body.input.length).toBeLessThanOrEqual(4096)
			// Split at a sentence's end.
			expect(body.input).toMatch(/long\.$/)
		}
		const joined = sent.map(r => (r.json as { input: string }).input).join(' ')
		expect(joined).toBe(text)
		// Two 0.1-second stub files, joined.
		expect(done.outputs[0]?.duration).toBeCloseTo(0.2, 1)
		// Priced per character read (the parts', without the spaces they were split at): 15 micro-dollars each.
		const read = sent.reduce((sum, r) => sum + (r.json as { input: string }).input.length, 0)
		expect(done.costMicros).toBe(read * 15)
	})

	test('style instructions reach a model that takes them, and are refused for one that does not', async () => {
		const user = await createUser(t.services.db)
		const speech = requestsFrom(t.stubs.openai, 'speech')
		const ok = created(
			await t.services.generations.create(
				user,
				audio('Good evening.', { model: 'openai:gpt-4o-mini-tts', instructions: 'Warm and slow', format: 'wav' }),
			),
		)
		expect((await settle(t.services, user.id, ok.id)).status).toBe('succeeded')
		const sent = speech()
		expect(sent[0]?.json).toMatchObject({ model: 'gpt-4o-mini-tts', instructions: 'Warm and slow' })

		const refused = await t.services.generations.create(
			user,
			audio('Good evening.', { model: 'openai:tts-1', instructions: 'Warm and slow' }),
		)
		expect(refused).toMatchObject({ refused: true, status: 400 })
		expect('refused' in refused ? Object.keys(refused.fields ?? {}) : []).toEqual(['instructions'])
	})

	test('a voice, format or speed the model does not have is refused on its field, before anything is queued', async () => {
		const user = await createUser(t.services.db)
		const cases: Array<[Partial<AudioRequest>, string]> = [
			[{ model: 'offline:speech', voice: 'nova' }, 'voice'],
			[{ model: 'offline:speech', format: 'mp3' }, 'format'],
			[{ model: 'offline:speech', speed: 3 }, 'speed'],
			[{ model: 'openai:tts-1', voice: 'tone' }, 'voice'],
			[{ model: 'offline:speech', mode: 'music' }, 'model'],
			[{ model: 'offline:music', mode: 'music', durationSeconds: 30 }, ''],
		]
		for (const [extra, field] of cases) {
			const result = await t.services.generations.create(user, audio('no', extra))
			if (field === '') {
				expect('refused' in result).toBe(false)
				continue
			}
			expect('refused' in result && result.status, JSON.stringify(extra)).toBe(400)
			expect('refused' in result ? Object.keys(result.fields ?? {}) : []).toEqual([field])
		}
	})

	test('music and sound effects: deterministic per prompt, different by prompt and by kind, marked as a demo', async () => {
		const user = await createUser(t.services.db)
		const make = async (prompt: string, mode: 'music' | 'effects') => {
			const g = created(await t.services.generations.create(user, audio(prompt, { mode, durationSeconds: 2, seed: 7 })))
			const done = await settle(t.services, user.id, g.id)
			expect(done.status, done.error ?? '').toBe('succeeded')
			expect(done.outputs[0]?.duration).toBeCloseTo(2, 1)
			return bytesOf(t.services, done.outputs[0]!.key)
		}
		const rain = await make('rain on a tin roof', 'effects')
		expect(rain.includes(Buffer.from('offline demo'))).toBe(true)
		expect((await make('rain on a tin roof', 'effects')).equals(rain)).toBe(true)
		expect((await make('a door slams', 'effects')).equals(rain)).toBe(false)
		expect((await make('rain on a tin roof', 'music')).equals(rain)).toBe(false)
	})

	test('a provider error fails the generation in words; a user over budget is refused before any call', async () => {
		const user = await createUser(t.services.db)
		t.stubs.openai.enqueue('speech', {
			status: 400,
			error: { message: 'Invalid voice', type: 'invalid_request_error' },
		})
		const g = created(await t.services.generations.create(user, audio('Hello.', { model: 'openai:tts-1' })))
		const failed = await settle(t.services, user.id, g.id)
		expect(failed.status).toBe('failed')
		expect(failed.error).toBeTruthy()

		const poor = await createUser(t.services.db, { monthlyBudgetUsd: 0 })
		const before = t.stubs.openai.requests.length
		const refused = await t.services.generations.create(poor, audio('Too dear.', { model: 'openai:tts-1' }))
		expect(refused).toMatchObject({ refused: true, status: 402, code: 'budget_exceeded' })
		expect(t.stubs.openai.requests.length).toBe(before)
	})

	test('another user cannot read a result', async () => {
		const owner = await createUser(t.services.db)
		const stranger = await createUser(t.services.db)
		const g = created(await t.services.generations.create(owner, audio('Mine.', { model: 'offline:speech' })))
		await settle(t.services, owner.id, g.id)
		expect(await t.services.generations.get(stranger, g.id)).toMatchObject({ refused: true, status: 404 })
	})
})
