/**
 * The offline provider's words: a chat reply that quotes the message, a title from its first words, an image
 * "analysis" that reports what the file is, and a transcript timed like a real one that transcribes nothing.
 */
import { formatBytes, sniffAudio, sniffImage } from '../media.ts'
import type { ChatMessage, ChatRequest, TranscribeRequest, TranscriptResult, TranscriptSegment } from '../types.ts'

function quote(text: string, max = 160) {
	const oneLine = text.replace(/\s+/g, ' ').trim()
	return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

function describeImage(data: Uint8Array): string {
	const facts = sniffImage(data)
	if (!facts) return `a file of ${formatBytes(data.length)} that is not an image format I recognise`
	const size = facts.width && facts.height ? `, ${facts.width}×${facts.height} pixels` : ''
	return `a ${facts.label} image${size} (${formatBytes(data.length)})`
}

function lastUserMessage(messages: ChatMessage[]): ChatMessage | undefined {
	return [...messages].reverse().find(m => m.role === 'user')
}

export function offlineReply(request: ChatRequest): string {
	const user = lastUserMessage(request.messages)
	const parts = ['(Offline demo reply)']
	parts.push(user?.content.trim() ? `You said: “${quote(user.content)}”.` : 'You sent an empty message.')
	const images = user?.images ?? []
	if (images.length > 0) {
		parts.push(`You attached ${images.map(i => describeImage(i.data)).join(' and ')}.`)
	}
	parts.push(
		'This reply comes from the built-in offline provider, so no model read your message.',
		'Set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) to chat with a real model.',
	)
	return parts.join(' ')
}

/** Splits a reply into several chunks of a few words, keeping the spaces so the chunks join back exactly. */
export function chunksOf(text: string, wordsPerChunk = 4): string[] {
	const words = text.match(/\S+\s*/g) ?? [text]
	const chunks: string[] = []
	for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(''))
	return chunks
}

export function offlineTitle(text: string): string {
	const words = text
		.replace(/[`*_#>[\]()"“”'’!?.,:;]+/g, ' ')
		.split(/\s+/)
		.filter(Boolean)
		.slice(0, 6)
	if (words.length === 0) return 'New conversation'
	const title = words.join(' ').slice(0, 60)
	return title.charAt(0).toUpperCase() + title.slice(1)
}

export function offlineAnalysis(image: Uint8Array, question: string): string {
	return (
		`(Offline demo analysis) This is ${describeImage(image)}. ` +
		(question.trim() ? `You asked: “${quote(question)}”. ` : '') +
		'No model looked at it: configure a vision-capable provider to analyse images for real.'
	)
}

export function offlineTranscript(request: TranscribeRequest): TranscriptResult {
	const facts = sniffAudio(request.audio.data)
	const seconds = facts?.durationSeconds ?? request.durationSeconds
	const what = facts ? `${facts.label} recording` : 'recording in a format I do not recognise'
	const length = seconds !== undefined ? `${Math.round(seconds * 10) / 10}-second ` : ''
	const text =
		`(Offline demo transcript) A ${length}${what} (${formatBytes(request.audio.data.length)}) was received. ` +
		'Nothing was transcribed: set OPENAI_API_KEY to transcribe speech for real.'
	// Timed like a real transcript: one segment per two seconds, saying which stretch it stands for.
	const segments: TranscriptSegment[] = []
	if (seconds !== undefined && seconds > 0) {
		for (let start = 0; start < seconds - 1e-6; start += 2) {
			const end = Math.min(seconds, start + 2)
			segments.push({
				start,
				end,
				text: `(Offline demo) Seconds ${start.toFixed(0)} to ${end.toFixed(1)} of the recording.`,
			})
		}
	}
	return {
		text,
		usage: { unit: 'seconds', units: seconds ?? 0, estimated: seconds === undefined },
		segments,
		...(seconds !== undefined ? { durationSeconds: seconds } : {}),
		...(request.language ? { language: request.language } : {}),
	}
}
