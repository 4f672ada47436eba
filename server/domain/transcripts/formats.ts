/**
 * A transcript written out as TXT, SRT, WebVTT or JSON. SRT: numbered cues from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`,
 * a blank line between cues. WebVTT: a `WEBVTT` header and `HH:MM:SS.mmm` times. Cue text never contains a blank
 * line (it would end the cue) or, in WebVTT, a bare `-->`.
 */
import type { TranscriptSegment } from '#server/providers/types.ts'

export const TRANSCRIPT_FORMATS = ['txt', 'srt', 'vtt', 'json'] as const
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number]

export const FORMAT_TYPES: Record<TranscriptFormat, string> = {
	txt: 'text/plain; charset=utf-8',
	srt: 'application/x-subrip; charset=utf-8',
	vtt: 'text/vtt; charset=utf-8',
	json: 'application/json; charset=utf-8',
}

/** 3725.5 → "01:02:05,500" (SRT) or "01:02:05.500" (WebVTT). */
export function timestamp(seconds: number, separator: ',' | '.'): string {
	const ms = Math.max(0, Math.round(seconds * 1000))
	const h = Math.floor(ms / 3_600_000)
	const m = Math.floor((ms % 3_600_000) / 60_000)
	const s = Math.floor((ms % 60_000) / 1000)
	const pad = (n: number, width = 2) => String(n).padStart(width, '0')
	return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`
}

/** "1:05" or "1:02:05", for the page's margin. */
export function clockTime(seconds: number): string {
	const total = Math.max(0, Math.floor(seconds))
	const h = Math.floor(total / 3600)
	const m = Math.floor((total % 3600) / 60)
	const s = total % 60
	return h > 0
		? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
		: `${m}:${String(s).padStart(2, '0')}`
}

const cueText = (text: string) =>
	text
		.replace(/\r\n?/g, '\n')
		.split('\n')
		.map(line => line.trim())
		.filter(Boolean)
		.join('\n')
		.replace(/-->/g, '->')

export function toSrt(segments: readonly TranscriptSegment[]): string {
	return segments
		.filter(s => cueText(s.text))
		.map(
			(s, i) =>
				`${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(Math.max(s.end, s.start), ',')}\n${cueText(s.text)}\n`,
		)
		.join('\n')
}

export function toVtt(segments: readonly TranscriptSegment[]): string {
	const cues = segments
		.filter(s => cueText(s.text))
		.map(s => `${timestamp(s.start, '.')} --> ${timestamp(Math.max(s.end, s.start), '.')}\n${cueText(s.text)}\n`)
	return ['WEBVTT\n', ...cues].join('\n')
}

export function toTxt(segments: readonly TranscriptSegment[]): string {
	return `${segments
		.map(s => s.text.trim())
		.filter(Boolean)
		.join('\n')}\n`
}

export function formatTranscript(
	format: TranscriptFormat,
	transcript: {
		name: string
		language: string | null
		duration: number | null
		segments: readonly TranscriptSegment[]
	},
): string {
	switch (format) {
		case 'srt':
			return toSrt(transcript.segments)
		case 'vtt':
			return toVtt(transcript.segments)
		case 'txt':
			return toTxt(transcript.segments)
		case 'json':
			return `${JSON.stringify(
				{
					name: transcript.name,
					language: transcript.language,
					duration: transcript.duration,
					text: transcript.segments.map(s => s.text.trim()).join(' '),
					segments: transcript.segments,
				},
				null,
				2,
			)}\n`
	}
}

/** The segments whose text contains every word of the query (case- and accent-insensitive), by index. */
export function searchSegments(segments: readonly TranscriptSegment[], query: string): number[] {
	const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
	const words = fold(query).split(/\s+/).filter(Boolean)
	if (words.length === 0) return []
	return segments.flatMap((s, i) => (words.every(w => fold(s.text).includes(w)) ? [i] : []))
}
