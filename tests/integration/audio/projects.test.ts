/**
 * Audio projects on both drivers (PGlite and, with DATABASE_URL, Postgres): every edit the forms make, the
 * editor's save through the same schema, the refusals (another user's project or sound, bad input, a trim past
 * the sound's end, the mixdown rate limit), a save from a stale revision (two tabs) refused, export/import, a
 * mixdown of a known two-clip project checked sample by sample against the expected sum, and a failed mixdown
 * tried again.
 */
import { describe, expect, test } from 'vitest'
import type { AudioProject } from '#server/domain/audio/projects.ts'
import type { ProjectDocument } from '#server/domain/audio/project-schema.ts'
import { decodePcm, MIX_SAMPLE_RATE, withInputFile } from '#server/media/audio.ts'
import type { Services } from '#server/services.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { bytesOf, outputOf, settle } from '#tests/support/generations.ts'
import { stereoWav } from '#tests/support/samples.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

const RATE = MIX_SAMPLE_RATE

/** A stereo 16-bit WAV whose left/right samples are given by functions of the frame. */
/** Deterministic, non-repeating test signals within ±8000 (so two of them never clip). */
const signalA = (i: number) => ((i * 37) % 16001) - 8000
const signalB = (i: number) => ((i * 53 + 11) % 12001) - 6000

describe.each(testDrivers())('audio projects on %s', driver => {
	const t = useTestServices(driver, { env: { RATE_LIMITS: 'generation=1000/60, mixdown=3/60' } })

	/** A finished audio generation holding `wav`, stored as the worker stores outputs (with its waveform). */
	async function librarySound(userId: string, wav: Uint8Array, prompt = 'a sound'): Promise<string> {
		const { storeWaveform } = await import('#server/domain/audio/waveforms.ts')
		const saved = await t.services.storage.put({ bucket: 'media', userId, data: wav, contentType: 'audio/wav' })
		const facts = await storeWaveform(t.services.storage, userId, wav)
		const output = { ...outputOf(saved), ...facts }
		const { rows } = await t.services.db.privileged(tx =>
			tx.query<{ id: string }>(
				`insert into public.generations (user_id, kind, status, provider, model, prompt, outputs, completed_at)
				 values ($1, 'audio', 'succeeded', 'offline', 'offline:speech', $2, $3, now()) returning id`,
				[userId, prompt, JSON.stringify([output])],
			),
		)
		return rows[0]!.id
	}

	/** A new project of the user's whose first track plays `sound` from `start` seconds. */
	async function projectWithClip(user: { id: string }, name: string, sound: string, start: number) {
		const { project } = ok(await t.services.audioProjects.create(user, { name }))
		const trackId = project.document.tracks[0]!.id
		ok(
			await t.services.audioProjects.edit(user, project.id, {
				intent: 'add-clip',
				trackId,
				source: `${sound}:0`,
				start,
			}),
		)
		return project
	}

	function ok<T>(result: T): Exclude<T, { refused: true }> {
		if (typeof result === 'object' && result !== null && 'refused' in result) {
			throw new Error((result as unknown as { message: string }).message)
		}
		return result as Exclude<T, { refused: true }>
	}

	async function pcmOf(key: string): Promise<Int16Array> {
		const out: Buffer[] = []
		await withInputFile(new Uint8Array(await bytesOf(t.services, key)), f =>
			decodePcm(f, { sampleRate: RATE, channels: 2, format: 's16le', onSamples: c => out.push(Buffer.from(c)) }),
		)
		const all = Buffer.concat(out)
		return new Int16Array(all.buffer, all.byteOffset, all.length / 2)
	}

	test('forms edit one document: tracks, clips, start, trim, gain, mute, solo, reorder, delete', async () => {
		const user = await createUser(t.services.db)
		const sound = await librarySound(user.id, stereoWav(RATE, RATE, signalA, signalA))
		const { project } = ok(await t.services.audioProjects.create(user, { name: 'Demo' }))
		expect(project.document.tracks).toHaveLength(2)
		const [first, second] = project.document.tracks
		const edit = (change: Parameters<Services['audioProjects']['edit']>[2]) =>
			t.services.audioProjects.edit(user, project.id, change)
		let p: AudioProject = ok(
			await edit({ intent: 'add-clip', trackId: first!.id, source: `${sound}:0`, start: 0.5 }),
		).project
		const clip = p.document.tracks[0]!.clips[0]!
		expect(clip).toMatchObject({ start: 0.5, trimIn: 0, trimOut: 1, gain: 1, generationId: sound })
		p = ok(
			await edit({
				intent: 'clip',
				trackId: first!.id,
				clipId: clip.id,
				start: 2,
				trimIn: 0.25,
				trimOut: 0.75,
				gain: 0.5,
			}),
		).project
		expect(p.document.tracks[0]!.clips[0]).toMatchObject({ start: 2, trimIn: 0.25, trimOut: 0.75, gain: 0.5 })
		p = ok(await edit({ intent: 'track', trackId: second!.id, gain: 0.8, mute: true, solo: false })).project
		expect(p.document.tracks[1]).toMatchObject({ gain: 0.8, mute: true, solo: false })
		p = ok(await edit({ intent: 'move-track', trackId: second!.id, direction: 'up' })).project
		expect(p.document.tracks.map(tr => tr.id)).toEqual([second!.id, first!.id])
		p = ok(await edit({ intent: 'move-clip', trackId: first!.id, clipId: clip.id, direction: 'up' })).project
		expect(p.document.tracks[0]!.clips.map(c => c.id)).toEqual([clip.id])
		p = ok(await edit({ intent: 'delete-clip', trackId: second!.id, clipId: clip.id })).project
		expect(p.document.tracks.every(tr => tr.clips.length === 0)).toBe(true)
		p = ok(await edit({ intent: 'add-track' })).project
		expect(p.document.tracks).toHaveLength(3)
		p = ok(await edit({ intent: 'delete-track', trackId: first!.id })).project
		expect(p.document.tracks).toHaveLength(2)
		p = ok(await edit({ intent: 'rename', name: 'Renamed' })).project
		expect(p.name).toBe('Renamed')
		expect((await t.services.audioProjects.list(user)).map(s => s.name)).toEqual(['Renamed'])
	})

	test('refusals: another user’s project or sound, a trim past the end, an invalid document', async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const mine = await librarySound(owner.id, stereoWav(RATE, RATE, signalA, signalA))
		const theirs = await librarySound(other.id, stereoWav(RATE, RATE, signalB, signalB))
		const { project } = ok(await t.services.audioProjects.create(owner, { name: 'Mine' }))
		const track = project.document.tracks[0]!
		// Someone else's project: not found, unchanged, not listed.
		const foreign = await t.services.audioProjects.edit(other, project.id, { intent: 'rename', name: 'Taken' })
		expect(foreign).toMatchObject({ refused: true, status: 404 })
		expect(await t.services.audioProjects.get(other, project.id)).toMatchObject({ refused: true, status: 404 })
		expect(await t.services.audioProjects.remove(other, project.id)).toMatchObject({ refused: true, status: 404 })
		expect(await t.services.audioProjects.mixdown(other, project.id)).toMatchObject({ refused: true, status: 404 })
		expect(await t.services.audioProjects.exportFile(other, project.id)).toMatchObject({ refused: true, status: 404 })
		// Someone else's sound: refused as a clip, by the form and by a saved document.
		const add = await t.services.audioProjects.edit(owner, project.id, {
			intent: 'add-clip',
			trackId: track.id,
			source: `${theirs}:0`,
			start: 0,
		})
		expect(add).toMatchObject({ refused: true, status: 403 })
		// A saved document whose one clip plays `trimOut` seconds of a sound.
		const saveOneClip = (generationId: string, trimOut: number) => {
			const clip = { id: 'c1', generationId, output: 0, start: 0, trimIn: 0, trimOut, gain: 1 }
			const document: ProjectDocument = { version: 1, tracks: [{ ...track, clips: [clip] }] }
			return t.services.audioProjects.edit(owner, project.id, { intent: 'save', revision: 1, document })
		}
		expect(await saveOneClip(theirs, 1)).toMatchObject({ refused: true, status: 403 })
		// A trim past the end of the sound.
		expect(await saveOneClip(mine, 5)).toMatchObject({ refused: true, status: 400 })
		// Mixing down an empty project says what to do.
		expect(await t.services.audioProjects.mixdown(owner, project.id)).toMatchObject({ refused: true, status: 422 })
		// Nothing changed.
		const after = ok(await t.services.audioProjects.get(owner, project.id))
		expect(after.name).toBe('Mine')
		expect(after.document.tracks.every(tr => tr.clips.length === 0)).toBe(true)
	})

	test('export and import: sounds by id; an import with someone else’s sound or a bad file is refused', async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const sound = await librarySound(owner.id, stereoWav(RATE, RATE, signalA, signalA))
		const project = await projectWithClip(owner, 'Exported', sound, 1)
		const file = ok(await t.services.audioProjects.exportFile(owner, project.id))
		expect(file).toMatchObject({ format: 'generation-studio.audio-project', name: 'Exported' })
		expect(file.document.tracks[0]!.clips[0]!.generationId).toBe(sound)
		const copy = ok(await t.services.audioProjects.importFile(owner, JSON.parse(JSON.stringify(file))))
		expect(copy.project.id).not.toBe(project.id)
		expect(copy.project.document).toEqual(file.document)
		expect(await t.services.audioProjects.importFile(other, file)).toMatchObject({ refused: true, status: 403 })
		expect(await t.services.audioProjects.importFile(owner, { format: 'something else' })).toMatchObject({
			refused: true,
			status: 400,
		})
		expect((await t.services.audioProjects.list(other)).length).toBe(0)
	})

	test('a two-clip mixdown is the exact sum of its clips, stored as WAV and MP3 with the project as source', async () => {
		const user = await createUser(t.services.db)
		const a = await librarySound(
			user.id,
			stereoWav(RATE, RATE, signalA, i => -signalA(i)),
			'clip A',
		)
		const b = await librarySound(user.id, stereoWav(RATE / 2, RATE, signalB, signalB), 'clip B')
		const { project } = ok(await t.services.audioProjects.create(user, { name: 'Two clips' }))
		const [t1, t2] = project.document.tracks
		// A: from 0.1 s of its sound, 0.5 s long, at 0.2 s. B: all of it (0.5 s) at 0.4 s, half as loud.
		const doc: ProjectDocument = {
			version: 1,
			tracks: [
				{ ...t1!, clips: [{ id: 'a', generationId: a, output: 0, start: 0.2, trimIn: 0.1, trimOut: 0.6, gain: 1 }] },
				{ ...t2!, clips: [{ id: 'b', generationId: b, output: 0, start: 0.4, trimIn: 0, trimOut: 0.5, gain: 0.5 }] },
			],
		}
		ok(
			await t.services.audioProjects.edit(user, project.id, {
				intent: 'save',
				revision: project.revision,
				document: doc,
			}),
		)
		const { generation } = ok(await t.services.audioProjects.mixdown(user, project.id))
		expect(generation.params).toMatchObject({ source: 'mixdown', projectId: project.id })
		const done = await settle(t.services, user.id, generation.id, 60_000)
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.outputs.map(o => o.contentType)).toEqual(['audio/wav', 'audio/mpeg'])
		expect(done.outputs[0]?.waveform?.preview.length).toBeGreaterThan(0)
		const mixed = await pcmOf(done.outputs[0]!.key)
		const frames = Math.round(0.9 * RATE)
		expect(mixed.length).toBe(frames * 2)
		const expected = new Int16Array(frames * 2)
		for (let f = 0; f < frames; f++) {
			let l = 0
			let r = 0
			const inA = f - Math.round(0.2 * RATE)
			if (inA >= 0 && inA < Math.round(0.5 * RATE)) {
				const s = inA + Math.round(0.1 * RATE)
				l += signalA(s)
				r += -signalA(s)
			}
			const inB = f - Math.round(0.4 * RATE)
			if (inB >= 0 && inB < Math.round(0.5 * RATE)) {
				l += signalB(inB) * 0.5
				r += signalB(inB) * 0.5
			}
			expected[f * 2] = Math.round(l)
			expected[f * 2 + 1] = Math.round(r)
		}
		let mismatches = 0
		for (let i = 0; i < expected.length; i++) if (mixed[i] !== expected[i]) mismatches++
		expect(mismatches).toBe(0)
		// The project lists its mixdown; the mixdown names its project.
		expect((await t.services.audioProjects.mixdowns(user, project.id)).map(g => g.id)).toEqual([generation.id])
	}, 90_000)

	test('two tabs: a save from an older revision is refused with 409 and writes nothing; forms count revisions', async () => {
		const user = await createUser(t.services.db)
		const sound = await librarySound(user.id, stereoWav(RATE, RATE, signalA, signalA))
		const { project } = ok(await t.services.audioProjects.create(user, { name: 'Two tabs' }))
		expect(project.revision).toBe(1)
		const [t1] = project.document.tracks
		const clip = { id: 'c1', generationId: sound, output: 0, start: 0, trimIn: 0, trimOut: 1, gain: 1 }
		const tabA: ProjectDocument = { version: 1, tracks: [{ ...t1!, clips: [{ ...clip, start: 2 }] }] }
		const tabB: ProjectDocument = { version: 1, tracks: [{ ...t1!, clips: [{ ...clip, start: 5 }] }] }
		// Both tabs loaded revision 1; A saves first.
		const savedA = ok(
			await t.services.audioProjects.edit(user, project.id, { intent: 'save', revision: 1, document: tabA }),
		)
		expect(savedA.project.revision).toBe(2)
		const stale = await t.services.audioProjects.edit(user, project.id, { intent: 'save', revision: 1, document: tabB })
		expect(stale).toMatchObject({ refused: true, status: 409, code: 'edit_conflict' })
		expect('refused' in stale && stale.message).toMatch(/changed in another tab/)
		let stored = ok(await t.services.audioProjects.get(user, project.id))
		expect(stored.document.tracks[0]!.clips[0]!.start).toBe(2)
		expect(stored.revision).toBe(2)
		// B chooses to keep its own: a save naming the current revision is written.
		ok(await t.services.audioProjects.edit(user, project.id, { intent: 'save', revision: 2, document: tabB }))
		stored = ok(await t.services.audioProjects.get(user, project.id))
		expect(stored.document.tracks[0]!.clips[0]!.start).toBe(5)
		// A form edit (applied to the stored document) moves the revision on, so an editor behind it is refused too.
		ok(await t.services.audioProjects.edit(user, project.id, { intent: 'rename', name: 'Renamed' }))
		expect(ok(await t.services.audioProjects.get(user, project.id)).revision).toBe(4)
		expect(
			await t.services.audioProjects.edit(user, project.id, { intent: 'save', revision: 3, document: tabA }),
		).toMatchObject({ refused: true, status: 409 })
	})

	test('a failed mixdown is tried again from its snapshot; only a failed one, only by its owner', async () => {
		const user = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const sound = await librarySound(user.id, stereoWav(RATE / 4, RATE, signalA, signalA))
		const { project } = ok(await t.services.audioProjects.create(user, { name: 'Retry me' }))
		const [t1] = project.document.tracks
		const doc: ProjectDocument = {
			version: 1,
			tracks: [
				{ ...t1!, clips: [{ id: 'c', generationId: sound, output: 0, start: 0, trimIn: 0, trimOut: 0.25, gain: 1 }] },
			],
		}
		ok(await t.services.audioProjects.edit(user, project.id, { intent: 'save', revision: 1, document: doc }))
		// A mixdown that failed (as the worker leaves one whose render broke).
		const { rows } = await t.services.db.privileged(tx =>
			tx.query<{ id: string }>(
				`insert into public.generations (user_id, kind, status, provider, model, prompt, params, error, completed_at)
				 values ($1, 'audio', 'failed', 'offline', 'offline:mixdown', 'Mixdown of “Retry me”', $2,
					'The mixdown could not be rendered. Try again.', now()) returning id`,
				[user.id, JSON.stringify({ source: 'mixdown', projectId: project.id, projectName: 'Retry me', document: doc })],
			),
		)
		const failed = rows[0]!.id
		expect(await t.services.audioProjects.retryMixdown(other, project.id, failed)).toMatchObject({ status: 404 })
		const { generation } = ok(await t.services.audioProjects.retryMixdown(user, project.id, failed))
		expect(generation.id).not.toBe(failed)
		expect(generation.params).toMatchObject({ projectId: project.id, document: doc })
		const done = await settle(t.services, user.id, generation.id, 60_000)
		expect(done.status, done.error ?? '').toBe('succeeded')
		// The failed one stays in the list, below the new one; a finished mixdown is not "tried again".
		expect((await t.services.audioProjects.mixdowns(user, project.id)).map(g => g.id)).toEqual([generation.id, failed])
		expect(await t.services.audioProjects.retryMixdown(user, project.id, generation.id)).toMatchObject({
			refused: true,
			status: 409,
		})
	}, 60_000)

	test('mixdowns are rate limited', async () => {
		const user = await createUser(t.services.db)
		const sound = await librarySound(user.id, stereoWav(RATE / 10, RATE, signalA, signalA))
		const project = await projectWithClip(user, 'Limited', sound, 0)
		const results = []
		for (let i = 0; i < 4; i++) results.push(await t.services.audioProjects.mixdown(user, project.id))
		expect(results.slice(0, 3).every(r => 'generation' in r)).toBe(true)
		expect(results[3]).toMatchObject({ refused: true, status: 429 })
		expect('refused' in results[3]! && results[3].headers?.['Retry-After']).toBeTruthy()
	})
})
