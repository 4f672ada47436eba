import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import ffmpeg from '@ffmpeg-installer/ffmpeg'
import { describe, expect, it } from 'vitest'
import { sniffAudio, sniffImage } from '#server/providers/media.ts'
import { OFFLINE_LABEL, createOfflineAdapter, offlineTitle, videoSize } from '#server/providers/offline/index.ts'
import { ProviderError, type MediaOutput, type ProviderAdapter } from '#server/providers/types.ts'

const offline: ProviderAdapter = createOfflineAdapter({ chunkDelayMs: 5 })

function bytesOf(output: MediaOutput | undefined): { data: Uint8Array; contentType: string } {
	if (output?.kind !== 'bytes') throw new Error('expected bytes')
	return output
}

function ascii(data: Uint8Array, start: number, length: number) {
	return Buffer.from(data.subarray(start, start + length)).toString('latin1')
}

/** Reads a PNG's chunks and checks every CRC, so a broken encoder cannot pass. */
function readPng(data: Uint8Array) {
	const buf = Buffer.from(data)
	expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
	const chunks: Array<{ type: string; data: Buffer }> = []
	let o = 8
	while (o < buf.length) {
		const length = buf.readUInt32BE(o)
		const type = buf.toString('latin1', o + 4, o + 8)
		chunks.push({ type, data: buf.subarray(o + 8, o + 8 + length) })
		o += 12 + length
	}
	expect(chunks.map(c => c.type).at(-1)).toBe('IEND')
	const ihdr = chunks.find(c => c.type === 'IHDR')?.data ?? Buffer.alloc(13)
	const width = ihdr.readUInt32BE(0)
	const height = ihdr.readUInt32BE(4)
	const raw = inflateSync(Buffer.concat(chunks.filter(c => c.type === 'IDAT').map(c => c.data)))
	expect(raw.length).toBe((width * 3 + 1) * height)
	const text = chunks.filter(c => c.type === 'tEXt').map(c => c.data.toString('latin1'))
	return { width, height, raw, text }
}

describe('offline chat', () => {
	it('streams a labelled reply in several delayed chunks that echoes the prompt', async () => {
		const stream = offline.chat?.('chat', { messages: [{ role: 'user', content: 'Tell me about lighthouses' }] })
		if (!stream) throw new Error('no chat')
		const deltas: string[] = []
		const times: number[] = []
		for await (const delta of stream) {
			deltas.push(delta)
			times.push(performance.now())
		}
		expect(deltas.length).toBeGreaterThan(3)
		const text = deltas.join('')
		expect(text.startsWith('(Offline demo reply)')).toBe(true)
		expect(text).toContain('Tell me about lighthouses')
		expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(4 * (deltas.length - 1))
		expect(stream.result).toMatchObject({ text, finishReason: 'stop', usage: { unit: 'tokens', estimated: true } })
	})

	it('mentions attached images and stops as canceled when aborted', async () => {
		const png = bytesOf((await offline.image?.('image', { prompt: 'x', size: '64x32' }))?.outputs[0])
		const controller = new AbortController()
		const stream = offline.chat?.(
			'chat',
			{ messages: [{ role: 'user', content: 'look', images: [png] }] },
			controller.signal,
		)
		if (!stream) throw new Error('no chat')
		const deltas: string[] = []
		let error: unknown
		try {
			for await (const delta of stream) {
				deltas.push(delta)
				controller.abort()
			}
		} catch (e) {
			error = e
		}
		expect(deltas).toHaveLength(1)
		expect(error).toBeInstanceOf(ProviderError)
		expect(error).toMatchObject({ code: 'canceled' })
		const full = await collectText(offline, [{ role: 'user', content: 'look', images: [png] }])
		expect(full).toContain('a PNG image, 64×32 pixels')
	})

	it('titles a conversation from its first words', async () => {
		expect(offlineTitle('how do I bake *sourdough* bread at home, step by step?')).toBe('How do I bake sourdough bread')
		expect(offlineTitle('   ')).toBe('New conversation')
		const result = await offline.title?.('chat', { text: 'plan a trip to Lisbon' })
		expect(result?.title).toBe('Plan a trip to Lisbon')
	})
})

async function collectText(
	adapter: ProviderAdapter,
	messages: Parameters<NonNullable<ProviderAdapter['chat']>>[1]['messages'],
) {
	let text = ''
	const stream = adapter.chat?.('chat', { messages })
	if (!stream) throw new Error('no chat')
	for await (const delta of stream) text += delta
	return text
}

describe('offline images', () => {
	it('makes valid PNGs of the requested size, labelled as a demo', async () => {
		const result = await offline.image?.('image', { prompt: 'a fox', size: '96x64', n: 2, seed: 7 })
		expect(result?.outputs).toHaveLength(2)
		expect(result?.usage).toEqual({ unit: 'images', units: 2 })
		const png = bytesOf(result?.outputs[0])
		expect(png.contentType).toBe('image/png')
		const { width, height, text } = readPng(png.data)
		expect([width, height]).toEqual([96, 64])
		expect(text).toContain(`Comment\0${OFFLINE_LABEL}`)
		expect(sniffImage(png.data)).toMatchObject({ contentType: 'image/png', width: 96, height: 64 })
		// The two images of one request differ.
		expect(Buffer.from(png.data).equals(Buffer.from(bytesOf(result?.outputs[1]).data))).toBe(false)
	})

	it('is deterministic: same prompt and seed, same bytes; another seed, other bytes', async () => {
		const a = bytesOf((await offline.image?.('image', { prompt: 'a fox', seed: 1, size: '64x64' }))?.outputs[0])
		const b = bytesOf((await offline.image?.('image', { prompt: 'a fox', seed: 1, size: '64x64' }))?.outputs[0])
		const c = bytesOf((await offline.image?.('image', { prompt: 'a fox', seed: 2, size: '64x64' }))?.outputs[0])
		const d = bytesOf((await offline.image?.('image', { prompt: 'a cat', seed: 1, size: '64x64' }))?.outputs[0])
		expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true)
		expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false)
		expect(Buffer.from(a.data).equals(Buffer.from(d.data))).toBe(false)
	})

	it('draws the DEMO label: the centre of the picture holds pure white label pixels', async () => {
		const png = bytesOf((await offline.image?.('image', { prompt: 'label', size: '200x100' }))?.outputs[0])
		const { raw, width, height } = readPng(png.data)
		let white = 0
		for (let y = Math.floor(height * 0.35); y < Math.ceil(height * 0.65); y++) {
			for (let x = Math.floor(width * 0.2); x < Math.ceil(width * 0.8); x++) {
				const o = y * (width * 3 + 1) + 1 + x * 3
				if (raw[o] === 255 && raw[o + 1] === 255 && raw[o + 2] === 255) white++
			}
		}
		expect(white).toBeGreaterThan(200)
	})

	it('scales large requests down and rejects sizes that are not WIDTHxHEIGHT', async () => {
		const adapter = createOfflineAdapter({ maxImageSide: 128 })
		const png = bytesOf((await adapter.image?.('image', { prompt: 'big', size: '1792x1024' }))?.outputs[0])
		expect(sniffImage(png.data)).toMatchObject({ width: 128, height: 73 })
		await expect(adapter.image?.('image', { prompt: 'x', size: '0x10' })).rejects.toMatchObject({
			code: 'invalid_request',
		})
	})

	it('edits and upscales deterministically from the input image', async () => {
		const source = bytesOf((await offline.image?.('image', { prompt: 'src', size: '40x30' }))?.outputs[0])
		const edit1 = await offline.imageEdit?.('image', { image: source, prompt: 'add a hat', seed: 3 })
		const edit2 = await offline.imageEdit?.('image', { image: source, prompt: 'add a hat', seed: 3 })
		expect(sniffImage(bytesOf(edit1?.outputs[0]).data)).toMatchObject({ width: 40, height: 30 })
		expect(Buffer.from(bytesOf(edit1?.outputs[0]).data).equals(Buffer.from(bytesOf(edit2?.outputs[0]).data))).toBe(true)
		const up = await offline.upscale?.('image', { image: source, scale: 4 })
		expect(sniffImage(bytesOf(up?.outputs[0]).data)).toMatchObject({
			contentType: 'image/png',
			width: 160,
			height: 120,
		})
	})

	it('upscales the source itself (the same picture, larger) and labels it along the bottom', async () => {
		const source = bytesOf((await offline.image?.('image', { prompt: 'src', size: '64x64', seed: 9 }))?.outputs[0])
		const up = readPng(bytesOf((await offline.upscale?.('image', { image: source, scale: 2 }))?.outputs[0]).data)
		const small = readPng(source.data)
		expect([up.width, up.height]).toEqual([128, 128])
		// A pixel of the top-left quarter, away from the labels, keeps the source's colour.
		const at = (png: ReturnType<typeof readPng>, x: number, y: number) =>
			[0, 1, 2].map(k => png.raw[y * (png.width * 3 + 1) + 1 + x * 3 + k] ?? 0)
		const a = at(small, 4, 4)
		const b = at(up, 8, 8)
		expect(a.every((v, k) => Math.abs(v - (b[k] ?? 0)) < 40)).toBe(true)
		// The bottom rows carry the white label pixels.
		const bottom = up.raw.subarray((up.height - 12) * (up.width * 3 + 1))
		expect(bottom.includes(255)).toBe(true)
	})

	it('image to image moves away from the source by strength, and an edit repaints only under the mask', async () => {
		const source = bytesOf((await offline.image?.('image', { prompt: 'src', size: '32x32', seed: 1 }))?.outputs[0])
		const pixels = async (strength: number) =>
			readPng(
				bytesOf(
					(await offline.image?.('image', { prompt: 'new', size: '32x32', seed: 2, image: source, strength }))
						?.outputs[0],
				).data,
			).raw
		const src = readPng(source.data).raw
		const distance = (x: Buffer, y: Buffer) => x.reduce((sum, v, i) => sum + Math.abs(v - (y[i] ?? 0)), 0)
		expect(distance(src, await pixels(0.1))).toBeLessThan(distance(src, await pixels(0.9)))

		// A mask white on the left half only: the right half keeps the source (above the label band).
		const mask = new Uint8Array(32 * 32 * 3)
		for (let y = 0; y < 32; y++) for (let x = 0; x < 16; x++) mask.fill(255, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3)
		const { encodePng } = await import('#server/providers/offline/png.ts')
		const edited = await offline.imageEdit?.('image', {
			image: source,
			mask: { data: encodePng(32, 32, mask), contentType: 'image/png' },
			prompt: 'repaint the left',
		})
		const out = readPng(bytesOf(edited?.outputs[0]).data).raw
		const row = (raw: Buffer, y: number) => raw.subarray(y * 97 + 1, (y + 1) * 97)
		const right = (r: Buffer) => r.subarray(20 * 3, 32 * 3)
		const left = (r: Buffer) => r.subarray(0, 12 * 3)
		expect(distance(right(row(src, 4)), right(row(out, 4)))).toBe(0)
		expect(distance(left(row(src, 4)), left(row(out, 4)))).toBeGreaterThan(0)
	})
})

describe('offline audio and video', () => {
	it('speaks text as a deterministic WAV tone sequence labelled as a demo', async () => {
		const a = bytesOf((await offline.speech?.('speech', { text: 'hello brave new world' }))?.outputs[0])
		const b = bytesOf((await offline.speech?.('speech', { text: 'hello brave new world' }))?.outputs[0])
		expect(a.contentType).toBe('audio/wav')
		expect(ascii(a.data, 0, 4)).toBe('RIFF')
		expect(ascii(a.data, 8, 4)).toBe('WAVE')
		expect(Buffer.from(a.data).includes(Buffer.from(OFFLINE_LABEL, 'latin1'))).toBe(true)
		expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true)
		const facts = sniffAudio(a.data)
		expect(facts?.durationSeconds).toBeGreaterThan(0.4)
		const result = await offline.speech?.('speech', { text: 'hello' })
		expect(result?.usage).toEqual({ unit: 'characters', units: 5 })
	})

	it('makes music of the requested length, deterministic by prompt and seed', async () => {
		const result = await offline.music?.('music', { prompt: 'calm piano', durationSeconds: 4, seed: 9 })
		if (result?.status !== 'succeeded') throw new Error('expected an immediate result')
		const wav = bytesOf(result.outputs[0])
		expect(sniffAudio(wav.data)?.durationSeconds).toBeCloseTo(4, 1)
		expect(result.usage).toEqual({ unit: 'seconds', units: 4 })
		const again = await offline.music?.('music', { prompt: 'calm piano', durationSeconds: 4, seed: 9 })
		const other = await offline.music?.('music', { prompt: 'calm piano', durationSeconds: 4, seed: 10 })
		if (again?.status !== 'succeeded' || other?.status !== 'succeeded') throw new Error('expected results')
		expect(Buffer.from(bytesOf(again.outputs[0]).data).equals(Buffer.from(wav.data))).toBe(true)
		expect(Buffer.from(bytesOf(other.outputs[0]).data).equals(Buffer.from(wav.data))).toBe(false)
	})

	it('returns a real, small MP4 clip for video, immediately', async () => {
		const result = await offline.video?.('video', { prompt: 'anything' })
		if (result?.status !== 'succeeded') throw new Error('expected an immediate result')
		const clip = bytesOf(result.outputs[0])
		expect(clip.contentType).toBe('video/mp4')
		expect(ascii(clip.data, 4, 4)).toBe('ftyp')
		expect(clip.data.length).toBeLessThan(100 * 1024)
		expect(Buffer.from(clip.data).includes(Buffer.from('offline demo output'))).toBe(true)
	})

	it('makes the clip at the shape, resolution and length asked for', async () => {
		const result = await offline.video?.('video', {
			prompt: 'a kite',
			aspect: '9:16',
			resolution: '480p',
			durationSeconds: 5,
		})
		if (result?.status !== 'succeeded') throw new Error('expected an immediate result')
		const clip = bytesOf(result.outputs[0])
		expect(ascii(clip.data, 4, 4)).toBe('ftyp')
		expect(Buffer.from(clip.data).includes(Buffer.from('offline demo output'))).toBe(true)
		expect(result.usage).toEqual({ unit: 'seconds', units: 5 })
		const dir = await mkdtemp(path.join(tmpdir(), 'offline-clip-'))
		try {
			await writeFile(path.join(dir, 'clip.mp4'), clip.data)
			// ffmpeg with no output names the input's duration and frame size and exits 1.
			const described = await new Promise<string>(resolve =>
				execFile(ffmpeg.path, ['-hide_banner', '-i', path.join(dir, 'clip.mp4')], (_error, _out, err) => resolve(err)),
			)
			expect(described).toMatch(/Duration: 00:00:05\.0/)
			expect(described).toMatch(/ 480x854[ ,]/)
		} finally {
			await rm(dir, { recursive: true, force: true })
		}
		expect(videoSize('16:9', '720p')).toEqual({ width: 1280, height: 720 })
		expect(videoSize('1:1', '480p')).toEqual({ width: 480, height: 480 })
	})

	it('says clearly when the demo clip is missing', async () => {
		const adapter = createOfflineAdapter({ demoVideoPath: '/nonexistent/offline-demo.mp4' })
		await expect(adapter.video?.('video', { prompt: 'x' })).rejects.toMatchObject({
			code: 'unavailable',
			retryable: false,
		})
	})

	it('describes a recording instead of transcribing it', async () => {
		const speech = bytesOf((await offline.speech?.('speech', { text: 'one two three' }))?.outputs[0])
		const result = await offline.transcribe?.('transcribe', { audio: { data: speech.data, contentType: 'audio/wav' } })
		expect(result?.text.startsWith('(Offline demo transcript)')).toBe(true)
		expect(result?.text).toContain('WAV recording')
		expect(result?.usage.unit).toBe('seconds')
		expect(result?.usage.units).toBeGreaterThan(0)
	})

	it('describes an image for vision questions', async () => {
		const png = bytesOf((await offline.image?.('image', { prompt: 'x', size: '32x16' }))?.outputs[0])
		const result = await offline.vision?.('chat', { image: png, question: 'What is in it?' })
		expect(result?.text).toContain('PNG image, 32×16 pixels')
		expect(result?.text).toContain('What is in it?')
		const unknown = await offline.vision?.('chat', {
			image: { data: new Uint8Array([1, 2, 3]), contentType: 'image/png' },
			question: '',
		})
		expect(unknown?.text).toContain('not an image format')
	})
})

describe('an aborted call', () => {
	it('is refused before any work', async () => {
		const controller = new AbortController()
		controller.abort()
		await expect(offline.image?.('image', { prompt: 'x' }, controller.signal)).rejects.toMatchObject({
			code: 'canceled',
		})
		await expect(offline.speech?.('speech', { text: 'x' }, controller.signal)).rejects.toMatchObject({
			code: 'canceled',
		})
	})
})
