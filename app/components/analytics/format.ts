/**
 * How the analytics page writes its figures: US dollars from micro-units, counts with separators, usage in the
 * unit each capability is billed by (tokens for text, seconds for audio and video, images for pictures), and
 * UTC days. Locale and zone are fixed so the server's HTML and the browser's hydration agree.
 */
import type { UsageTotals } from '#server/domain/usage/analytics.ts'

export { formatUsd } from '#server/domain/usage/money.ts'

const whole = new Intl.NumberFormat('en-US')
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

export const formatCount = (n: number) => whole.format(n)
export const formatCompact = (n: number) => (n < 10_000 ? whole.format(n) : compact.format(n))

/** Seconds as "45 s", "3 min 20 s", "2 h 5 min". */
export function formatSeconds(seconds: number): string {
	if (seconds < 60) return `${Number(seconds.toFixed(1))} s`
	const s = Math.round(seconds)
	if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
	const minutes = Math.round((s % 3600) / 60)
	return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`
}

const plural = (n: number, one: string, many: string) => `${formatCompact(n)} ${n === 1 ? one : many}`

/** What was used, in the units it is billed by: "12.3K tokens · 4 images". Empty when nothing was measured. */
export function formatUsage(t: UsageTotals): string {
	const parts: string[] = []
	const tokens = t.inputTokens + t.outputTokens
	if (tokens > 0) parts.push(plural(tokens, 'token', 'tokens'))
	if (t.images > 0) parts.push(plural(t.images, 'image', 'images'))
	if (t.seconds > 0) parts.push(formatSeconds(t.seconds))
	if (t.characters > 0) parts.push(plural(t.characters, 'character', 'characters'))
	return parts.join(' · ')
}

const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
const longDayFormat = new Intl.DateTimeFormat('en-US', {
	month: 'short',
	day: 'numeric',
	year: 'numeric',
	timeZone: 'UTC',
})
const weekdayFormat = new Intl.DateTimeFormat('en-US', {
	weekday: 'short',
	month: 'short',
	day: 'numeric',
	timeZone: 'UTC',
})

const at = (day: string) => new Date(`${day}T00:00:00Z`)
/** "Mar 1" */
export const formatDay = (day: string) => dayFormat.format(at(day))
/** "Mar 1, 2026" */
export const formatLongDay = (day: string) => longDayFormat.format(at(day))
/** "Sun, Mar 1" */
export const formatWeekday = (day: string) => weekdayFormat.format(at(day))

/** "Mar 1 – Mar 15, 2026", or with both years when they differ. */
export function formatRange(from: string, to: string): string {
	if (from === to) return formatLongDay(from)
	return from.slice(0, 4) === to.slice(0, 4)
		? `${formatDay(from)} – ${formatLongDay(to)}`
		: `${formatLongDay(from)} – ${formatLongDay(to)}`
}

export const CAPABILITY_LABELS: Record<string, string> = {
	chat: 'Chat',
	title: 'Titles',
	vision: 'Vision',
	image: 'Images',
	video: 'Video',
	speech: 'Speech',
	music: 'Music',
	transcribe: 'Transcription',
}

export const capabilityLabel = (capability: string) => CAPABILITY_LABELS[capability] ?? capability

/**
 * One colour per capability, the same in every chart and legend (full class names, so Tailwind keeps them). The
 * 500 shades read on both the light and the dark canvas.
 */
export const CAPABILITY_COLORS: Record<string, { fill: string; bg: string }> = {
	chat: { fill: 'fill-blue-500', bg: 'bg-blue-500' },
	title: { fill: 'fill-slate-400', bg: 'bg-slate-400' },
	vision: { fill: 'fill-cyan-500', bg: 'bg-cyan-500' },
	image: { fill: 'fill-violet-500', bg: 'bg-violet-500' },
	video: { fill: 'fill-rose-500', bg: 'bg-rose-500' },
	speech: { fill: 'fill-amber-500', bg: 'bg-amber-500' },
	music: { fill: 'fill-emerald-500', bg: 'bg-emerald-500' },
	transcribe: { fill: 'fill-teal-500', bg: 'bg-teal-500' },
}
const OTHER = { fill: 'fill-zinc-400', bg: 'bg-zinc-400' }
export const capabilityColor = (capability: string) => CAPABILITY_COLORS[capability] ?? OTHER
