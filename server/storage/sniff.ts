/**
 * Content type from the bytes, never from the name or the declared type: a client or a provider can say
 * anything, the magic numbers cannot lie about what a browser would do with the file. Markup (HTML, SVG,
 * XML) is recognised so that it is never served inline from our origin.
 */

export type ContentKind = 'image' | 'video' | 'audio' | 'pdf' | 'text' | 'markup' | 'unknown'

export type Sniffed = {
	/** The media type the bytes are (`image/svg+xml` for SVG, even though we never serve it as that). */
	mime: string
	/** File extension used in storage keys; it also tells a backend without metadata how to serve the file. */
	ext: string
	kind: ContentKind
	/** Safe to show in the browser from our origin; false for markup and anything unrecognised. */
	inline: boolean
}

export type SniffHints = {
	/** The original file name: only chooses between text subtypes (markdown, JSON, CSV). */
	filename?: string | null
	/** The declared content type: the same, never trusted for anything else. */
	declaredType?: string | null
	/** The bytes are the whole file (not just its head), so JSON can be parsed to be sure. */
	complete?: boolean
}

/** How many leading bytes `sniff` wants to see; more is fine. */
export const SNIFF_BYTES = 8192

const UNKNOWN: Sniffed = { mime: 'application/octet-stream', ext: 'bin', kind: 'unknown', inline: false }

const t = (mime: string, ext: string, kind: ContentKind): Sniffed => ({
	mime,
	ext,
	kind,
	inline: kind !== 'markup' && kind !== 'unknown',
})

/** Every type `sniff` can answer, by extension: what a key's extension means when nothing else is known. */
export const TYPES_BY_EXTENSION: Readonly<Record<string, Sniffed>> = Object.fromEntries(
	[
		t('image/png', 'png', 'image'),
		t('image/jpeg', 'jpg', 'image'),
		t('image/gif', 'gif', 'image'),
		t('image/webp', 'webp', 'image'),
		t('image/avif', 'avif', 'image'),
		t('video/mp4', 'mp4', 'video'),
		t('video/quicktime', 'mov', 'video'),
		t('video/webm', 'webm', 'video'),
		t('video/x-matroska', 'mkv', 'video'),
		t('video/ogg', 'ogv', 'video'),
		t('audio/mp4', 'm4a', 'audio'),
		t('audio/mpeg', 'mp3', 'audio'),
		t('audio/aac', 'aac', 'audio'),
		t('audio/wav', 'wav', 'audio'),
		t('audio/ogg', 'ogg', 'audio'),
		t('audio/flac', 'flac', 'audio'),
		t('application/pdf', 'pdf', 'pdf'),
		t('text/plain', 'txt', 'text'),
		t('text/markdown', 'md', 'text'),
		t('text/csv', 'csv', 'text'),
		t('application/json', 'json', 'text'),
		t('text/html', 'html', 'markup'),
		t('image/svg+xml', 'svg', 'markup'),
		t('application/xml', 'xml', 'markup'),
		UNKNOWN,
	].map(s => [s.ext, s]),
)

function byExt(ext: string): Sniffed {
	const found = TYPES_BY_EXTENSION[ext]
	if (!found) throw new Error(`no sniffed type for .${ext}`)
	return found
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
	let s = ''
	for (let i = start; i < start + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i] ?? 0)
	return s
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
	if (bytes.length < offset + signature.length) return false
	return signature.every((b, i) => bytes[offset + i] === b)
}

function indexOf(bytes: Uint8Array, needle: string, from = 0, to = bytes.length): number {
	const n = [...needle].map(c => c.charCodeAt(0))
	const end = Math.min(to, bytes.length) - n.length
	outer: for (let i = from; i <= end; i++) {
		for (let j = 0; j < n.length; j++) if (bytes[i + j] !== n[j]) continue outer
		return i
	}
	return -1
}

/** ISO base media (MP4, MOV, M4A, AVIF): a `ftyp` box whose brands say which. */
function sniffFtyp(bytes: Uint8Array): Sniffed | null {
	// A real ftyp box is small, so its 32-bit size starts with two zero bytes (which text never has).
	if (ascii(bytes, 4, 4) !== 'ftyp' || bytes[0] !== 0 || bytes[1] !== 0) return null
	const boxSize = ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)
	const brands = [ascii(bytes, 8, 4)]
	for (let i = 16; i + 4 <= Math.min(boxSize, bytes.length, 256); i += 4) brands.push(ascii(bytes, i, 4))
	const major = brands[0] ?? ''
	if (major === 'avif' || major === 'avis' || (major === 'mif1' && brands.includes('avif'))) return byExt('avif')
	if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(major)) return null
	if (major === 'qt  ') return byExt('mov')
	if (major === 'M4A ' || major === 'M4B ' || major === 'F4A ') return byExt('m4a')
	return byExt('mp4')
}

/** Matroska/WebM: EBML header, with a DocType element that says which. */
function sniffEbml(bytes: Uint8Array): Sniffed | null {
	if (!startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return null
	// DocType is element 0x4282; it sits inside the (small) EBML header.
	const at = indexOf(bytes, '\x42\x82', 4, 96)
	if (at >= 0) {
		const doc = ascii(bytes, at + 3, 8)
		if (doc.startsWith('webm')) return byExt('webm')
		if (doc.startsWith('matroska')) return byExt('mkv')
	}
	return byExt('mkv')
}

/** MPEG audio frame header: sync, a real layer, a real bitrate and sample rate. */
function isMpegAudioFrame(bytes: Uint8Array, at: number): 'mp3' | 'aac' | null {
	const b1 = bytes[at + 1] ?? 0
	const b2 = bytes[at + 2] ?? 0
	if (bytes[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return null
	const version = (b1 >> 3) & 0x03
	const layer = (b1 >> 1) & 0x03
	// ADTS (AAC) uses layer 0 with MPEG version 2 or 4 bits.
	if (layer === 0) return (b1 & 0xf6) === 0xf0 && ((b2 >> 2) & 0x0f) < 13 ? 'aac' : null
	if (version === 1) return null
	const bitrate = (b2 >> 4) & 0x0f
	const sampleRate = (b2 >> 2) & 0x03
	if (bitrate === 0x0f || bitrate === 0 || sampleRate === 0x03) return null
	return 'mp3'
}

/** An ID3v2 tag: "ID3", version 2-4, and a size of four 7-bit bytes. */
function isId3(bytes: Uint8Array): boolean {
	if (bytes.length < 10 || ascii(bytes, 0, 3) !== 'ID3') return false
	const version = bytes[3] ?? 0
	return version >= 2 && version <= 4 && [6, 7, 8, 9].every(i => (bytes[i] ?? 0xff) < 0x80)
}

function sniffBinary(bytes: Uint8Array): Sniffed | null {
	if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return byExt('png')
	if (startsWith(bytes, [0xff, 0xd8, 0xff])) return byExt('jpg')
	const head = ascii(bytes, 0, 12)
	if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return byExt('gif')
	if (head.startsWith('RIFF')) {
		const form = head.slice(8, 12)
		if (form === 'WEBP') return byExt('webp')
		if (form === 'WAVE') return byExt('wav')
		return null
	}
	const ftyp = sniffFtyp(bytes)
	if (ftyp) return ftyp
	// Old QuickTime files start with a movie atom instead of `ftyp`.
	if (bytes[0] === 0 && ['moov', 'mdat', 'wide', 'pnot'].includes(head.slice(4, 8))) return byExt('mov')
	const ebml = sniffEbml(bytes)
	if (ebml) return ebml
	if (head.startsWith('OggS')) {
		// The first page's packet names the codec: Theora is video, everything else (Vorbis, Opus, FLAC) audio.
		return indexOf(bytes, '\x80theora', 26, 128) >= 0 ? byExt('ogv') : byExt('ogg')
	}
	if (head.startsWith('fLaC')) return byExt('flac')
	if (head.startsWith('%PDF-')) return byExt('pdf')
	if (isId3(bytes)) return byExt('mp3')
	const frame = bytes.length >= 4 ? isMpegAudioFrame(bytes, 0) : null
	if (frame) return byExt(frame)
	return null
}

const HTML_START =
	/^<(?:!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p|meta|link|object|embed|form|frameset|template|!--)(?:[\s>/]|$)/i

function sniffMarkup(text: string): Sniffed | null {
	const start = text.replace(/^\uFEFF/, '').trimStart()
	if (!start.startsWith('<')) return null
	const lower = start.toLowerCase()
	if (/<svg[\s>/]/.test(lower)) return byExt('svg')
	if (lower.startsWith('<?xml')) return /<(?:html|xhtml|script)[\s>/:]/.test(lower) ? byExt('html') : byExt('xml')
	if (HTML_START.test(start)) return byExt('html')
	// Browsers also treat a document as HTML when markup appears anywhere early; so do we, to be safe.
	if (/<(?:script|iframe|html|body|object|embed)[\s>/]/.test(lower)) return byExt('html')
	return null
}

function extensionOf(filename: string | null | undefined): string {
	const match = /\.([a-z0-9]{1,10})$/i.exec(filename ?? '')
	return match?.[1]?.toLowerCase() ?? ''
}

function baseType(declared: string | null | undefined): string {
	return (declared ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function textSubtype(text: string, hints: SniffHints): Sniffed {
	const ext = extensionOf(hints.filename)
	const declared = baseType(hints.declaredType)
	const trimmed = text.trim()
	const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[')
	if (looksJson) {
		if (hints.complete) {
			try {
				JSON.parse(text.replace(/^\uFEFF/, ''))
				return byExt('json')
			} catch {
				// not JSON after all: plain text
			}
		} else if (ext === 'json' || declared === 'application/json') {
			return byExt('json')
		}
	}
	if (ext === 'md' || ext === 'markdown' || declared === 'text/markdown') return byExt('md')
	if (ext === 'csv' || declared === 'text/csv') return byExt('csv')
	return byExt('txt')
}

/**
 * UTF-8 text without NUL bytes. `complete: false` allows the head to end inside a multi-byte character.
 * Returns the decoded text, or null for anything that is not text.
 */
export function decodeText(bytes: Uint8Array, complete: boolean): string | null {
	if (bytes.includes(0)) return null
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete })
	} catch {
		return null
	}
}

/** Sniff the content type from the first bytes of a file (at least `SNIFF_BYTES` when the file is longer). */
export function sniff(bytes: Uint8Array, hints: SniffHints = {}): Sniffed {
	if (bytes.length === 0) return UNKNOWN
	const binary = sniffBinary(bytes)
	if (binary) return binary
	const text = decodeText(bytes, hints.complete ?? false)
	if (text === null) return UNKNOWN
	return sniffMarkup(text) ?? textSubtype(text, hints)
}

/** The type of a stored file from its key's extension (keys are generated from the sniffed type). */
export function typeFromKey(key: string): Sniffed {
	return TYPES_BY_EXTENSION[extensionOf(key)] ?? UNKNOWN
}

/** The Content-Type header to serve a sniffed type with: markup and unknown bytes are only ever downloads. */
export function servedContentType(type: Pick<Sniffed, 'mime' | 'kind' | 'inline'>): string {
	if (!type.inline) return 'application/octet-stream'
	return type.kind === 'text' ? `${type.mime}; charset=utf-8` : type.mime
}
