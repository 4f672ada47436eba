/**
 * The analytics page's inputs (safe for the browser bundle): which range of UTC days to show. `range` is a
 * preset (this month, the last 30 days) or `custom` with `from`/`to`; the page and the CSV export read the same
 * GET parameters, so an address is shareable and a download covers exactly what the page showed.
 * docs/decisions/030-usage-analytics.md says how days and ranges are counted.
 */
import * as v from 'valibot'

export const ANALYTICS_RANGES = ['month', '30d', 'custom'] as const
export type AnalyticsRangeKind = (typeof ANALYTICS_RANGES)[number]

/** The longest custom range, in days: a year, leap day included. */
export const MAX_RANGE_DAYS = 366

const DATE_MESSAGE = 'Dates are days such as 2026-01-31, between the years 2000 and 9999.'
const Day = v.pipe(
	v.string(),
	v.trim(),
	v.isoDate(DATE_MESSAGE),
	v.check(value => {
		const year = Number(value.slice(0, 4))
		return year >= 2000 && year <= 9999
	}, DATE_MESSAGE),
)

export const AnalyticsQuerySchema = v.object({
	range: v.optional(v.picklist(ANALYTICS_RANGES, 'Show this month, the last 30 days or a custom range.')),
	// An empty date input is sent as `from=`: the same as leaving it out.
	from: v.optional(v.union([v.literal(''), Day], DATE_MESSAGE)),
	to: v.optional(v.union([v.literal(''), Day], DATE_MESSAGE)),
})
export type AnalyticsQuery = v.InferOutput<typeof AnalyticsQuerySchema>

/** A range of whole UTC days, both ends included. */
export type AnalyticsRange = { kind: AnalyticsRangeKind; from: string; to: string; days: number }

const DAY_MS = 86_400_000

/** `YYYY-MM-DD` of a moment, in UTC. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10)

/** The day `n` days after `day` (UTC; negative goes back). */
export function addDays(day: string, n: number): string {
	return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS))
}

/** How many days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
	return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1
}

/** Every day of a range, in order. */
export function eachDay(range: Pick<AnalyticsRange, 'from' | 'to'>): string[] {
	const days: string[] = []
	for (let day = range.from; day <= range.to; day = addDays(day, 1)) days.push(day)
	return days
}

/**
 * The range a query asks for, in UTC days, or the sentence that says what is wrong with it. A custom range with
 * one end left out reaches today (no `to`) or starts 29 days before `to` (no `from`).
 */
export function resolveRange(
	query: AnalyticsQuery,
	now: Date,
): { ok: true; range: AnalyticsRange } | { ok: false; message: string; field: 'from' | 'to' } {
	const today = utcDay(now)
	const custom = query.range === 'custom' || (query.range === undefined && Boolean(query.from || query.to))
	if (!custom && query.range !== '30d') {
		const from = `${today.slice(0, 8)}01`
		return { ok: true, range: { kind: 'month', from, to: today, days: daysBetween(from, today) } }
	}
	if (!custom) {
		const from = addDays(today, -29)
		return { ok: true, range: { kind: '30d', from, to: today, days: 30 } }
	}
	const to = query.to || (query.from && query.from > today ? query.from : today)
	const from = query.from || addDays(to, -29)
	if (from > to) return { ok: false, field: 'from', message: 'The first day must not be after the last day.' }
	const days = daysBetween(from, to)
	if (days > MAX_RANGE_DAYS) {
		return {
			ok: false,
			field: 'to',
			message: `Choose at most ${MAX_RANGE_DAYS} days at a time (this range has ${days.toLocaleString('en-US')}).`,
		}
	}
	return { ok: true, range: { kind: 'custom', from, to, days } }
}

/** The GET parameters that show a range again (for links and the CSV export). */
export function rangeSearch(range: AnalyticsRange): string {
	if (range.kind !== 'custom') return `range=${range.kind}`
	return `range=custom&from=${range.from}&to=${range.to}`
}
