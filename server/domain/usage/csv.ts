/**
 * The analytics export as CSV (RFC 4180): a header, then one line per UTC day, model and capability. Fields with a
 * comma, quote or line break are quoted with quotes doubled; a text field starting with `=`, `+`, `-`, `@`, tab or
 * CR gets a leading apostrophe so a spreadsheet shows it instead of running it as a formula (OWASP "CSV
 * injection"). Cost is written in dollars with all six decimals of the ledger's micro-units, so sums are exact.
 */
import type { UsageGroup } from './analytics.ts'

export const CSV_HEADER = [
	'date_utc',
	'model',
	'capability',
	'calls',
	'input_tokens',
	'output_tokens',
	'images',
	'seconds',
	'characters',
	'cost_usd',
] as const

const FORMULA = /^[=+\-@\t\r]/

export function csvField(value: string | number): string {
	if (typeof value === 'number') return String(value)
	const text = FORMULA.test(value) ? `'${value}` : value
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Micro-units as dollars with six decimals, without going through a float: 1234567 → "1.234567". */
export function microsToUsd(micros: number): string {
	const whole = Math.floor(micros / 1_000_000)
	const rest = String(micros % 1_000_000).padStart(6, '0')
	return `${whole}.${rest}`
}

export function usageCsv(groups: UsageGroup[]): string {
	const lines = [CSV_HEADER.join(',')]
	for (const g of groups) {
		lines.push(
			[
				g.day,
				csvField(g.model),
				csvField(g.capability),
				g.calls,
				g.inputTokens,
				g.outputTokens,
				g.images,
				g.seconds,
				g.characters,
				microsToUsd(g.costMicros),
			].join(','),
		)
	}
	return `${lines.join('\r\n')}\r\n`
}
