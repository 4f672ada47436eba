import { describe, expect, it } from 'vitest'
import { sniff, servedContentType, typeFromKey } from '#server/storage/sniff.ts'
import { encoded, gif, html, pdf, png, svg, text, wav } from '#tests/support/samples.ts'

describe('sniff', () => {
	const cases: [string, Uint8Array, string, string][] = [
		['PNG', png(2, 2), 'image/png', 'png'],
		['JPEG', encoded.jpeg, 'image/jpeg', 'jpg'],
		['GIF', gif, 'image/gif', 'gif'],
		['WebP', encoded.webp, 'image/webp', 'webp'],
		['AVIF', encoded.avif, 'image/avif', 'avif'],
		['MP4', encoded.mp4, 'video/mp4', 'mp4'],
		['MOV', encoded.mov, 'video/quicktime', 'mov'],
		['WebM', encoded.webm, 'video/webm', 'webm'],
		['Matroska', encoded.mkv, 'video/x-matroska', 'mkv'],
		['MP3 with ID3', encoded.mp3Id3, 'audio/mpeg', 'mp3'],
		['MP3 frames', encoded.mp3Frame, 'audio/mpeg', 'mp3'],
		['AAC (ADTS)', encoded.aac, 'audio/aac', 'aac'],
		['M4A', encoded.m4a, 'audio/mp4', 'm4a'],
		['WAV', wav(), 'audio/wav', 'wav'],
		['Ogg Opus', encoded.oggOpus, 'audio/ogg', 'ogg'],
		['FLAC', encoded.flac, 'audio/flac', 'flac'],
		['PDF', pdf(), 'application/pdf', 'pdf'],
	]
	for (const [name, bytes, mime, ext] of cases) {
		it(`recognises ${name} from its bytes`, () => {
			const type = sniff(bytes, { complete: true })
			expect(type).toMatchObject({ mime, ext, inline: true })
			// The name and the declared type do not change what binary bytes are.
			expect(sniff(bytes, { filename: 'evil.html', declaredType: 'text/html', complete: true }).mime).toBe(mime)
		})
	}

	it('recognises a file from its head alone', () => {
		const big = wav(100_000)
		expect(sniff(big.subarray(0, 8192)).mime).toBe('audio/wav')
	})

	it('tells text subtypes apart, from the bytes first', () => {
		expect(sniff(text('just some notes\n'), { complete: true }).mime).toBe('text/plain')
		expect(sniff(text('{"a": [1, 2]}'), { complete: true }).mime).toBe('application/json')
		// Looks like JSON but is not: plain text, whatever the name says.
		expect(sniff(text('{not json'), { filename: 'x.json', complete: true }).mime).toBe('text/plain')
		expect(sniff(text('# Title\n\nbody'), { filename: 'notes.md', complete: true }).mime).toBe('text/markdown')
		expect(sniff(text('a,b\n1,2\n'), { declaredType: 'text/csv; charset=utf-8', complete: true }).mime).toBe('text/csv')
		expect(sniff(text('héllo wörld ✓'), { complete: true })).toMatchObject({ kind: 'text', inline: true })
	})

	it('accepts a head cut inside a multi-byte character, but not broken UTF-8', () => {
		const bytes = text('aé')
		expect(sniff(bytes.subarray(0, 2)).kind).toBe('text')
		expect(sniff(bytes.subarray(0, 2), { complete: true }).kind).toBe('unknown')
		expect(sniff(new Uint8Array([0x61, 0xc3, 0x28]), { complete: true }).kind).toBe('unknown')
	})

	it('treats bytes with NULs or nothing recognisable as unknown, never inline', () => {
		const nul = sniff(text('hello\u0000world'), { complete: true })
		expect(nul).toMatchObject({ kind: 'unknown', inline: false, mime: 'application/octet-stream' })
		expect(sniff(new Uint8Array([1, 2, 3, 4, 5, 250, 251]), { complete: true }).inline).toBe(false)
		expect(sniff(new Uint8Array()).kind).toBe('unknown')
	})

	it('detects SVG and HTML, and never marks them inline', () => {
		const s = sniff(svg, { complete: true })
		expect(s).toMatchObject({ mime: 'image/svg+xml', ext: 'svg', kind: 'markup', inline: false })
		const h = sniff(html, { complete: true })
		expect(h).toMatchObject({ mime: 'text/html', ext: 'html', kind: 'markup', inline: false })
		// Whatever the name or declared type claims.
		expect(sniff(svg, { filename: 'logo.png', declaredType: 'image/png', complete: true }).inline).toBe(false)
		expect(sniff(html, { filename: 'notes.txt', declaredType: 'text/plain', complete: true }).inline).toBe(false)
		for (const markup of [
			'  \n<html><body>x</body></html>',
			'\uFEFF<!doctype html><p>x',
			'<svg xmlns="http://www.w3.org/2000/svg"/>',
			'<!-- a comment --><svg onload="alert(1)"></svg>',
			'<div>hi</div>',
			'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>x</script></html>',
			'<?xml version="1.0"?><note/>',
			'<p>hello <iframe src="https://example.com"></iframe>',
			'<notatag> but later <script>alert(1)</script>',
		]) {
			const type = sniff(text(markup), { complete: true })
			expect({ markup, inline: type.inline, kind: type.kind }).toEqual({ markup, inline: false, kind: 'markup' })
		}
	})

	it('serves markup and unknown bytes as application/octet-stream, text with a charset', () => {
		expect(servedContentType(sniff(svg, { complete: true }))).toBe('application/octet-stream')
		expect(servedContentType(sniff(html, { complete: true }))).toBe('application/octet-stream')
		expect(servedContentType(sniff(text('hi'), { complete: true }))).toBe('text/plain; charset=utf-8')
		expect(servedContentType(sniff(png(), { complete: true }))).toBe('image/png')
	})

	it('does not mistake text for a container', () => {
		// "too " + "wide" would be a QuickTime atom if the size bytes were not checked.
		expect(sniff(text('too wide a margin'), { complete: true }).mime).toBe('text/plain')
		expect(sniff(text('abcdftypisom...'), { complete: true }).mime).toBe('text/plain')
		expect(sniff(text('ID3 tags are metadata'), { complete: true }).mime).toBe('text/plain')
	})

	it('maps key extensions back to types, unknown ones to downloads', () => {
		expect(typeFromKey('u/2025/01/x.png')).toMatchObject({ mime: 'image/png', inline: true })
		expect(typeFromKey('u/2025/01/x.svg')).toMatchObject({ inline: false })
		expect(typeFromKey('u/2025/01/x.exe')).toMatchObject({ mime: 'application/octet-stream', inline: false })
	})
})
