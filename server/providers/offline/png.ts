/**
 * A minimal PNG encoder (8-bit RGB, no interlace) and the offline provider's demo picture: a pattern
 * derived from a hash, with the word DEMO drawn in a tiny bitmap font so nobody mistakes it for a result.
 */
import { deflateSync } from 'node:zlib'

const CRC_TABLE = (() => {
	const table = new Uint32Array(256)
	for (let n = 0; n < 256; n++) {
		let c = n
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
		table[n] = c >>> 0
	}
	return table
})()

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff
	for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8)
	return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
	const out = Buffer.alloc(12 + data.length)
	out.writeUInt32BE(data.length, 0)
	out.write(type, 4, 'latin1')
	out.set(data, 8)
	out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
	return out
}

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** `rgb` holds width*height*3 bytes, row by row. `text` becomes tEXt chunks (Latin-1 keys and values). */
export function encodePng(
	width: number,
	height: number,
	rgb: Uint8Array,
	text: Record<string, string> = {},
): Uint8Array {
	const header = Buffer.alloc(13)
	header.writeUInt32BE(width, 0)
	header.writeUInt32BE(height, 4)
	header[8] = 8 // bit depth
	header[9] = 2 // colour type: RGB
	// compression, filter and interlace methods stay 0
	const stride = width * 3
	const raw = Buffer.alloc((stride + 1) * height)
	for (let y = 0; y < height; y++) {
		raw[y * (stride + 1)] = 0 // filter: none
		raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
	}
	const texts = Object.entries(text).map(([k, v]) => chunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1')))
	return new Uint8Array(
		Buffer.concat([
			PNG_SIGNATURE,
			chunk('IHDR', header),
			...texts,
			chunk('IDAT', deflateSync(raw, { level: 6 })),
			chunk('IEND', new Uint8Array(0)),
		]),
	)
}

// 5x7 glyphs, one string per row: capitals, digits and the few signs the demo labels use.
const FONT: Record<string, string[]> = {
	A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
	B: ['11110', '10001', '10001', '11110', '10001', '10001', '11110'],
	C: ['01110', '10001', '10000', '10000', '10000', '10001', '01110'],
	D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
	E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
	F: ['11111', '10000', '10000', '11110', '10000', '10000', '10000'],
	G: ['01110', '10001', '10000', '10111', '10001', '10001', '01111'],
	H: ['10001', '10001', '10001', '11111', '10001', '10001', '10001'],
	I: ['01110', '00100', '00100', '00100', '00100', '00100', '01110'],
	J: ['00111', '00010', '00010', '00010', '00010', '10010', '01100'],
	K: ['10001', '10010', '10100', '11000', '10100', '10010', '10001'],
	L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
	M: ['10001', '11011', '10101', '10101', '10001', '10001', '10001'],
	N: ['10001', '10001', '11001', '10101', '10011', '10001', '10001'],
	O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
	P: ['11110', '10001', '10001', '11110', '10000', '10000', '10000'],
	Q: ['01110', '10001', '10001', '10001', '10101', '10010', '01101'],
	R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
	S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
	T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
	U: ['10001', '10001', '10001', '10001', '10001', '10001', '01110'],
	V: ['10001', '10001', '10001', '10001', '10001', '01010', '00100'],
	W: ['10001', '10001', '10001', '10101', '10101', '10101', '01010'],
	X: ['10001', '10001', '01010', '00100', '01010', '10001', '10001'],
	Y: ['10001', '10001', '01010', '00100', '00100', '00100', '00100'],
	Z: ['11111', '00001', '00010', '00100', '01000', '10000', '11111'],
	'0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
	'1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
	'2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
	'3': ['11111', '00010', '00100', '00010', '00001', '10001', '01110'],
	'4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
	'5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
	'6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
	'7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
	'8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
	'9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
	'×': ['00000', '10001', '01010', '00100', '01010', '10001', '00000'],
	'-': ['00000', '00000', '00000', '11111', '00000', '00000', '00000'],
	'·': ['00000', '00000', '00000', '00100', '00000', '00000', '00000'],
	' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
}

type Rgb = [number, number, number]

function hsl(h: number, s: number, l: number): Rgb {
	const a = s * Math.min(l, 1 - l)
	const f = (n: number) => {
		const k = (n + h * 12) % 12
		return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))))
	}
	return [f(0), f(8), f(4)]
}

/**
 * A deterministic picture for a hash: a two-colour diagonal gradient crossed by rings whose centre, spacing
 * and hues come from the hash, and a dark band with DEMO in the middle.
 */
export function renderDemoImage(width: number, height: number, hash: Uint8Array): Uint8Array {
	const byte = (i: number) => hash[i % hash.length] ?? 0
	const c1 = hsl(byte(0) / 255, 0.55 + byte(1) / 800, 0.45 + byte(2) / 1000)
	const c2 = hsl(byte(3) / 255, 0.55 + byte(4) / 800, 0.35 + byte(5) / 1000)
	const ring = hsl(byte(6) / 255, 0.7, 0.7)
	const cx = (byte(7) / 255) * width
	const cy = (byte(8) / 255) * height
	const spacing = Math.max(6, (Math.min(width, height) / 24) * (1 + byte(9) / 128))
	const rgb = new Uint8Array(width * height * 3)
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const t = (x / Math.max(1, width - 1) + y / Math.max(1, height - 1)) / 2
			const d = Math.hypot(x - cx, y - cy)
			const onRing = d % spacing < spacing * 0.18
			const o = (y * width + x) * 3
			for (let k = 0; k < 3; k++) {
				const base = (c1[k] ?? 0) * (1 - t) + (c2[k] ?? 0) * t
				rgb[o + k] = onRing ? Math.round(base * 0.4 + (ring[k] ?? 0) * 0.6) : Math.round(base)
			}
		}
	}
	drawLabel(rgb, width, height, 'DEMO')
	return rgb
}

/**
 * Writes `label` (capitals, digits, `× - ·`) in white on a dark band: centred, or along the bottom edge with
 * `at: 'bottom'`. Characters the font lacks are left blank.
 */
export function drawLabel(
	rgb: Uint8Array,
	width: number,
	height: number,
	label: string,
	at: 'centre' | 'bottom' = 'centre',
) {
	const glyphW = 5
	const glyphH = 7
	const cols = label.length * (glyphW + 1) - 1
	const share = at === 'bottom' ? 0.08 : 0.3
	const scale = Math.max(1, Math.floor(Math.min((width * 0.6) / cols, (height * share) / glyphH)))
	const textW = cols * scale
	const textH = glyphH * scale
	const pad = Math.max(1, Math.floor(scale * 1.5))
	const x0 = Math.floor((width - textW) / 2)
	const y0 = at === 'bottom' ? height - textH - pad * 3 : Math.floor((height - textH) / 2)
	const fill = (x: number, y: number, w: number, h: number, colour: Rgb, alpha: number) => {
		for (let yy = Math.max(0, y); yy < Math.min(height, y + h); yy++) {
			for (let xx = Math.max(0, x); xx < Math.min(width, x + w); xx++) {
				const o = (yy * width + xx) * 3
				for (let k = 0; k < 3; k++) rgb[o + k] = Math.round((rgb[o + k] ?? 0) * (1 - alpha) + (colour[k] ?? 0) * alpha)
			}
		}
	}
	fill(x0 - pad, y0 - pad, textW + 2 * pad, textH + 2 * pad, [0, 0, 0], 0.7)
	for (const [i, ch] of [...label.toUpperCase()].entries()) {
		const rows = FONT[ch]
		if (!rows) continue
		for (const [gy, row] of rows.entries()) {
			for (let gx = 0; gx < glyphW; gx++) {
				if (row[gx] === '1')
					fill(x0 + (i * (glyphW + 1) + gx) * scale, y0 + gy * scale, scale, scale, [255, 255, 255], 1)
			}
		}
	}
}
