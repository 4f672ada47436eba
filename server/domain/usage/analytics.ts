/**
 * Usage analytics: the ledger (`api_usage`) summed over a range of UTC days, by day, by model and by capability,
 * with this month's spend against the budget. Read as the user (row-level security applies) from the daily
 * rollup of the ledger; the few hundred rows a range has are folded here.
 */
import type { Db, Tx } from '#server/db/index.ts'
import { isRefusal, refuse } from '../refusal.ts'
import type { Refusal } from '../refusal.ts'
import { addDays, eachDay, resolveRange, utcDay } from './schema.ts'
import type { AnalyticsQuery, AnalyticsRange } from './schema.ts'

export type UsageTotals = {
	calls: number
	costMicros: number
	inputTokens: number
	outputTokens: number
	/** Pictures made. */
	images: number
	/** Seconds of audio or video made or transcribed. */
	seconds: number
	/** Characters spoken (text to speech). */
	characters: number
}

/** One line of the ledger's summary: a day, a model and a capability. The CSV export's rows. */
export type UsageGroup = UsageTotals & { day: string; model: string; capability: string }

export type AnalyticsReport = {
	range: AnalyticsRange
	totals: UsageTotals
	/**
	 * Every day of the range (every week, Monday to Sunday in UTC and cut at the range's ends, when the range is
	 * longer than WEEKLY_AFTER_DAYS), empty ones included, with the cost and calls of each capability. `day` is the
	 * bucket's first day, `to` its last.
	 */
	byDay: Array<
		UsageTotals & {
			day: string
			to: string
			costByCapability: Record<string, number>
			callsByCapability: Record<string, number>
		}
	>
	bucket: 'day' | 'week'
	byModel: Array<UsageTotals & { model: string; capabilities: string[] }>
	byCapability: Array<UsageTotals & { capability: string }>
	/** This calendar month (UTC), whatever the range: what the budget is checked against. */
	month: { costMicros: number; budgetMicros: number; budgetIsDefault: boolean; resetsOn: string }
}

export const emptyTotals = (): UsageTotals => ({
	calls: 0,
	costMicros: 0,
	inputTokens: 0,
	outputTokens: 0,
	images: 0,
	seconds: 0,
	characters: 0,
})

function add(into: UsageTotals, from: UsageTotals): void {
	into.calls += from.calls
	into.costMicros += from.costMicros
	into.inputTokens += from.inputTokens
	into.outputTokens += from.outputTokens
	into.images += from.images
	into.seconds += from.seconds
	into.characters += from.characters
}

/** One rollup row as the query sends it: [day, model, capability, calls, cost, input, output, images, seconds, characters]. */
type GroupTuple = [string, string, string, number, number, number, number, number, number, number]

/**
 * The user's usage in `[from, to]` (UTC days) by day, model and capability, from the daily rollup the ledger's
 * triggers keep (supabase/migrations/20261206093000_usage_daily.sql). The user id is in the query as well as in
 * the policy so the planner walks the rollup's `(user_id, day, …)` unique index for just this range. The rows come
 * back as one JSON array: on the embedded database, decoding a thousand result rows costs more than the query.
 */
export async function usageGroups(tx: Tx, userId: string, range: Pick<AnalyticsRange, 'from' | 'to'>) {
	const { rows } = await tx.query<{ groups: string }>(
		`select coalesce(json_agg(json_build_array(day, model, capability, calls, cost_micros, input_tokens,
			output_tokens, images, seconds, characters) order by day, model, capability), '[]')::text as groups
		 from public.api_usage_daily
		 where user_id = $1 and day between $2::date and $3::date`,
		[userId, range.from, range.to],
	)
	const tuples = JSON.parse(rows[0]?.groups ?? '[]') as GroupTuple[]
	return tuples.map(
		(t): UsageGroup => ({
			day: t[0],
			model: t[1],
			capability: t[2],
			calls: t[3],
			costMicros: t[4],
			inputTokens: t[5],
			outputTokens: t[6],
			images: t[7],
			seconds: t[8],
			characters: t[9],
		}),
	)
}

/** The CSV export's rows: one per day, model and capability with any usage, read as the user. */
export async function usageExport(db: Db, userId: string, range: AnalyticsRange): Promise<UsageGroup[]> {
	return db.asUser(userId, tx => usageGroups(tx, userId, range))
}

/** Ranges longer than this are charted by week: a bar a day stops being readable, and the page stays small. */
export const WEEKLY_AFTER_DAYS = 92

/** The Monday (UTC) of the week holding `day`. */
function mondayOf(day: string): string {
	const weekday = new Date(`${day}T00:00:00Z`).getUTCDay()
	return addDays(day, -((weekday + 6) % 7))
}
const maxDay = (a: string, b: string) => (a > b ? a : b)

const byCost = <T extends UsageTotals>(a: T, b: T) => b.costMicros - a.costMicros || b.calls - a.calls

/** The analytics page: the range's usage three ways, and this month against the budget. */
export async function usageReport(
	db: Db,
	userId: string,
	range: AnalyticsRange,
	defaultBudgetUsd: number,
	now: Date = new Date(),
): Promise<AnalyticsReport> {
	const monthStart = `${utcDay(now).slice(0, 8)}01`
	const nextMonth = utcDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)))
	return db.asUser(userId, async tx => {
		const groups = await usageGroups(tx, userId, range)
		// The budget is per calendar month (UTC), whatever the range shows; a month is at most a few hundred rows here.
		const monthRows = await tx.query<{ spent: string | number | null; budget: string | number | null }>(
			`select
				(select coalesce(sum(cost_micros), 0) from public.api_usage_daily
					where user_id = $1 and day >= $2::date and day < $3::date) as spent,
				(select monthly_budget_usd from public.users where id = $1) as budget`,
			[userId, monthStart, nextMonth],
		)

		const totals = emptyTotals()
		const bucket = range.days > WEEKLY_AFTER_DAYS ? 'week' : 'day'
		const bucketOf = new Map<string, string>()
		const days = new Map<string, AnalyticsReport['byDay'][number]>()
		for (const day of eachDay(range)) {
			const start = bucket === 'day' ? day : maxDay(mondayOf(day), range.from)
			bucketOf.set(day, start)
			const existing = days.get(start)
			if (existing) existing.to = day
			else {
				days.set(start, { day: start, to: day, ...emptyTotals(), costByCapability: {}, callsByCapability: {} })
			}
		}
		const models = new Map<string, UsageTotals & { model: string; capabilities: string[] }>()
		const capabilities = new Map<string, UsageTotals & { capability: string }>()
		for (const group of groups) {
			add(totals, group)
			const day = days.get(bucketOf.get(group.day) ?? '')
			if (day) {
				add(day, group)
				day.costByCapability[group.capability] = (day.costByCapability[group.capability] ?? 0) + group.costMicros
				day.callsByCapability[group.capability] = (day.callsByCapability[group.capability] ?? 0) + group.calls
			}
			let model = models.get(group.model)
			if (!model) models.set(group.model, (model = { model: group.model, capabilities: [], ...emptyTotals() }))
			add(model, group)
			if (!model.capabilities.includes(group.capability)) model.capabilities.push(group.capability)
			let capability = capabilities.get(group.capability)
			if (!capability)
				capabilities.set(group.capability, (capability = { capability: group.capability, ...emptyTotals() }))
			add(capability, group)
		}

		const raw = monthRows.rows[0]?.budget
		const budgetIsDefault = raw === null || raw === undefined
		return {
			range,
			totals,
			byDay: [...days.values()],
			bucket,
			byModel: [...models.values()].sort(byCost),
			byCapability: [...capabilities.values()].sort(byCost),
			month: {
				costMicros: Number(monthRows.rows[0]?.spent ?? 0),
				budgetMicros: Math.round((budgetIsDefault ? defaultBudgetUsd : Number(raw)) * 1_000_000),
				budgetIsDefault,
				resetsOn: nextMonth,
			},
		}
	})
}

/** What the page and the export call: the query's range resolved against today (UTC), or why it cannot be. */
export function createAnalytics(db: Db, defaultBudgetUsd: number, clock: () => Date = () => new Date()) {
	function rangeOf(query: AnalyticsQuery): AnalyticsRange | Refusal {
		const resolved = resolveRange(query, clock())
		if (resolved.ok) return resolved.range
		return refuse(400, 'invalid_range', resolved.message, { fields: { [resolved.field]: [resolved.message] } })
	}
	return {
		async report(user: { id: string }, query: AnalyticsQuery): Promise<AnalyticsReport | Refusal> {
			const range = rangeOf(query)
			if (isRefusal(range)) return range
			return usageReport(db, user.id, range, defaultBudgetUsd, clock())
		},
		async export(
			user: { id: string },
			query: AnalyticsQuery,
		): Promise<{ range: AnalyticsRange; groups: UsageGroup[] } | Refusal> {
			const range = rangeOf(query)
			if (isRefusal(range)) return range
			return { range, groups: await usageExport(db, user.id, range) }
		},
	}
}
export type Analytics = ReturnType<typeof createAnalytics>
