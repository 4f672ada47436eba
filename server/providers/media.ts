/**
 * Just enough file sniffing for the providers: what kind of image or recording a byte array is, its pixel
 * size or duration where the header says so cheaply, and a file name extension for multipart uploads.
 */

export type ImageFacts = { contentType: string; label: string; width?: number; height?: number }
export type AudioFacts = { contentType: string; label: string; durationSeconds?: number }

function ascii(data: Uint8Array, start: number, length: number) {
	return Buffer.from(data.buffer, data.byteOffset + start, Math.max(0, Math.min(length, data.length - start))).toString(
		'latin1',
	)
}

function view(data: Uint8Array) {
	return new DataView(data.buffer, data.byteOffset, data.byteLength)
}

export function sniffImage(data: Uint8Array): ImageFacts | null {
	const dv = view(data)
	if (data.length >= 24 && data[0] === 0x89 && ascii(data, 1, 3) === 'PNG') {
		return { contentType: 'image/png', label: 'PNG', width: dv.getUint32(16), height: dv.getUint32(20) }
	}
	if (data.length >= 10 && ascii(data, 0, 4) === 'GIF8') {
		return { contentType: 'image/gif', label: 'GIF', width: dv.getUint16(6, true), height: dv.getUint16(8, true) }
	}
	if (data.length >= 16 && ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 4) === 'WEBP') {
		const kind = ascii(data, 12, 4)
		if (kind === 'VP8X' && data.length >= 30) {
			const w = 1 + ((data[24] ?? 0) | ((data[25] ?? 0) << 8) | ((data[26] ?? 0) << 16))
			const h = 1 + ((data[27] ?? 0) | ((data[28] ?? 0) << 8) | ((data[29] ?? 0) << 16))
			return { contentType: 'image/webp', label: 'WebP', width: w, height: h }
		}
		if (kind === 'VP8 ' && data.length >= 30) {
			return {
				contentType: 'image/webp',
				label: 'WebP',
				width: dv.getUint16(26, true) & 0x3fff,
				height: dv.getUint16(28, true) & 0x3fff,
			}
		}
		if (kind === 'VP8L' && data.length >= 25) {
			const bits = dv.getUint32(21, true)
			return {
				contentType: 'image/webp',
				label: 'WebP',
				width: (bits & 0x3fff) + 1,
				height: ((bits >> 14) & 0x3fff) + 1,
			}
		}
		return { contentType: 'image/webp', label: 'WebP' }
	}
	if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
		return { contentType: 'image/jpeg', label: 'JPEG', ...jpegSize(data) }
	}
	return null
}

function jpegSize(data: Uint8Array): { width?: number; height?: number } {
	const dv = view(data)
	let o = 2
	while (o + 9 < data.length) {
		if (data[o] !== 0xff) return {}
		const marker = data[o + 1] ?? 0
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			o += 2
			continue
		}
		const length = dv.getUint16(o + 2)
		// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			return { height: dv.getUint16(o + 5), width: dv.getUint16(o + 7) }
		}
		o += 2 + length
	}
	return {}
}

export function sniffAudio(data: Uint8Array): AudioFacts | null {
	if (data.length >= 12 && ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 4) === 'WAVE') {
		return { contentType: 'audio/wav', label: 'WAV', ...wavDuration(data) }
	}
	if (data.length >= 4 && ascii(data, 0, 4) === 'OggS') return { contentType: 'audio/ogg', label: 'Ogg' }
	if (data.length >= 4 && ascii(data, 0, 4) === 'fLaC') return { contentType: 'audio/flac', label: 'FLAC' }
	if (data.length >= 4 && data[0] === 0x1a && data[1] === 0x45 && data[2] === 0xdf && data[3] === 0xa3) {
		return { contentType: 'audio/webm', label: 'WebM' }
	}
	if (data.length >= 12 && ascii(data, 4, 4) === 'ftyp') return { contentType: 'audio/mp4', label: 'MP4' }
	if (data.length >= 3 && (ascii(data, 0, 3) === 'ID3' || (data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0))) {
		return { contentType: 'audio/mpeg', label: 'MP3' }
	}
	return null
}

function wavDuration(data: Uint8Array): { durationSeconds?: number } {
	const dv = view(data)
	let o = 12
	let byteRate = 0
	while (o + 8 <= data.length) {
		const id = ascii(data, o, 4)
		const size = dv.getUint32(o + 4, true)
		if (id === 'fmt ' && o + 20 <= data.length) byteRate = dv.getUint32(o + 16, true)
		if (id === 'data') {
			const bytes = Math.min(size, data.length - o - 8)
			return byteRate > 0 ? { durationSeconds: bytes / byteRate } : {}
		}
		o += 8 + size + (size % 2)
	}
	return {}
}

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
	'audio/wav': 'wav',
	'audio/x-wav': 'wav',
	'audio/wave': 'wav',
	'audio/mpeg': 'mp3',
	'audio/mp4': 'm4a',
	'audio/ogg': 'ogg',
	'audio/webm': 'webm',
	'audio/flac': 'flac',
	'video/mp4': 'mp4',
	'video/webm': 'webm',
}

export function extensionFor(contentType: string): string {
	return EXTENSIONS[contentType.split(';')[0]?.trim().toLowerCase() ?? ''] ?? 'bin'
}

export function formatBytes(n: number): string {
	if (n < 1024) return `${n} bytes`
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
	return `${(n / 1024 / 1024).toFixed(1)} MB`
}
