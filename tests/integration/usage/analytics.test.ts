/**
 * Analytics sums equal the ledger, on both drivers. Known `api_usage` rows across days, models and capabilities —
 * some a millisecond either side of a UTC midnight that bounds a range, one written with a +05:00 offset, one
 * inserted as the user (the chat path, under RLS) — and another user's rows on the same days. Every total the
 * page shows (by day, by model, by capability, the range, this month against the budget) and every row the CSV
 * export writes is checked against sums taken straight from `api_usage`; the other user's rows never count.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createAnalytics, emptyTotals } from '#server/domain/usage/analytics.ts'
import type { AnalyticsReport, UsageTotals } from '#server/domain/usage/analytics.ts'
import { isRefusal } from '#server/domain/refusal.ts'
import type { AnalyticsQuery } from '#server/domain/usage/schema.ts'
import { createTestDb, createUser, testDrivers } from '#tests/support/database.ts'
import type { TestDb, TestUser } from '#tests/support/database.ts'

/** "Today" for these tests: the middle of March 2026, UTC. */
const NOW = new Date('2026-03-15T12:00:00Z')

type Row = {
	at: string
	model: string
	capability: string
	cost: number
	input?: number
	output?: number
	units?: number
	unit?: 'image' | 'second' | 'character'
}

const ROWS: Row[] = [
	// the last millisecond of February: outside "this month", inside a range that ends on the 28th
	{ at: '2026-02-28T23:59:59.999Z', model: 'openai:gpt-4o', capability: 'chat', cost: 1_111, input: 10, output: 20 },
	// the first instant of March
	{ at: '2026-03-01T00:00:00.000Z', model: 'openai:gpt-4o', capability: 'chat', cost: 1_500, input: 100, output: 200 },
	{ at: '2026-03-01T09:30:00Z', model: 'openai:gpt-4o', capability: 'title', cost: 40, input: 30, output: 5 },
	{
		at: '2026-03-01T23:59:59.999Z',
		model: 'offline:image',
		capability: 'image',
		cost: 80_000,
		units: 2,
		unit: 'image',
	},
	{
		at: '2026-03-02T00:00:00Z',
		model: 'replicate:video',
		capability: 'video',
		cost: 250_000,
		units: 5,
		unit: 'second',
	},
	{ at: '2026-03-02T14:00:00Z', model: 'offline:image', capability: 'image', cost: 40_000, units: 1, unit: 'image' },
	// 12:00 at +05:00 is 07:00 UTC on the 10th; 03:00 at +05:00 on the 11th is still the 10th in UTC
	{
		at: '2026-03-10T12:00:00+05:00',
		model: 'offline:speech',
		capability: 'speech',
		cost: 3_000,
		units: 120,
		unit: 'character',
	},
	{ at: '2026-03-11T03:00:00+05:00', model: 'openai:gpt-4o', capability: 'vision', cost: 900, input: 500, output: 60 },
	// the last second of "today"
	{
		at: '2026-03-15T23:59:59Z',
		model: 'openai:whisper-1',
		capability: 'transcribe',
		cost: 6_100,
		units: 30.5,
		unit: 'second',
	},
	// tomorrow (a clock that runs ahead): in no range that ends today
	{ at: '2026-03-16T00:00:00Z', model: 'openai:gpt-4o', capability: 'chat', cost: 7_777, input: 1, output: 1 },
	// a year earlier: the edge of the longest range
	{ at: '2025-03-15T00:00:00Z', model: 'offline:music', capability: 'music', cost: 12_345, units: 8, unit: 'second' },
	{
		at: '2025-03-14T23:59:59.999Z',
		model: 'offline:music',
		capability: 'music',
		cost: 54_321,
		units: 9,
		unit: 'second',
	},
]

async function insert(db: TestDb['db'], userId: string, row: Row, asUser = false) {
	const sql = `insert into api_usage (user_id, provider, model, capability, input_tokens, output_tokens, units, unit, cost_micros, created_at)
		values ($1, 'offline', $2, $3, $4, $5, $6, $7, $8, $9::timestamptz)`
	const params = [
		userId,
		row.model,
		row.capability,
		row.input ?? null,
		row.output ?? null,
		row.units ?? null,
		row.unit ?? null,
		row.cost,
		row.at,
	]
	if (asUser) await db.asUser(userId, tx => tx.query(sql, params))
	else await db.privileged(tx => tx.query(sql, params))
}

type LedgerRow = UsageTotals & { key: string }

/** Sums straight from the ledger for `[from, to]` UTC days, grouped by `key` (a SQL expression), privileged. */
async function ledger(db: TestDb['db'], userId: string, from: string, to: string, key: string): Promise<LedgerRow[]> {
	const { rows } = await db.privileged(tx =>
		tx.query<Record<string, string | number>>(
			`select ${key} as key, count(*)::int as calls, coalesce(sum(cost_micros), 0)::float8 as cost,
				coalesce(sum(input_tokens), 0)::float8 as input, coalesce(sum(output_tokens), 0)::float8 as output,
				coalesce(sum(units) filter (where unit = 'image'), 0)::float8 as images,
				coalesce(sum(units) filter (where unit = 'second'), 0)::float8 as seconds,
				coalesce(sum(units) filter (where unit = 'character'), 0)::float8 as characters
			 from api_usage
			 where user_id = $1 and created_at >= ($2::date)::timestamp at time zone 'UTC'
				and created_at < ($3::date + 1)::timestamp at time zone 'UTC'
			 group by 1 order by 1`,
			[userId, from, to],
		),
	)
	return rows.map(r => ({
		key: String(r.key),
		calls: Number(r.calls),
		costMicros: Number(r.cost),
		inputTokens: Number(r.input),
		outputTokens: Number(r.output),
		images: Number(r.images),
		seconds: Number(r.seconds),
		characters: Number(r.characters),
	}))
}

const totalsOf = (t: UsageTotals): UsageTotals => ({
	calls: t.calls,
	costMicros: t.costMicros,
	inputTokens: t.inputTokens,
	outputTokens: t.outputTokens,
	images: t.images,
	seconds: t.seconds,
	characters: t.characters,
})

describe.each(testDrivers())('analytics on %s', driver => {
	let t: TestDb
	let user: TestUser
	let other: TestUser
	const analytics = () => createAnalytics(t.db, 25, () => NOW)

	async function report(query: AnalyticsQuery): Promise<AnalyticsReport> {
		const result = await analytics().report(user, query)
		if (isRefusal(result)) throw new Error(`refused: ${result.message}`)
		return result
	}

	/** Every figure of a report against the ledger's own sums for the same days. */
	async function expectReportMatchesLedger(r: AnalyticsReport) {
		const { from, to } = r.range
		const overall = await ledger(t.db, user.id, from, to, "'all'")
		expect(totalsOf(r.totals)).toEqual(overall[0] ? totalsOf(overall[0]) : emptyTotals())
		// a bucket is a UTC day, or for long ranges a Monday-to-Sunday week cut at the range's first day
		const bucket =
			r.bucket === 'day'
				? `to_char((created_at at time zone 'UTC')::date, 'YYYY-MM-DD')`
				: `to_char(greatest(date_trunc('week', created_at at time zone 'UTC')::date, '${from}'::date), 'YYYY-MM-DD')`
		const days = await ledger(t.db, user.id, from, to, bucket)
		const shownDays = r.byDay.filter(d => d.calls > 0)
		expect(shownDays.map(d => ({ key: d.day, ...totalsOf(d) }))).toEqual(days)
		for (const day of r.byDay) {
			const byCapability = Object.values(day.costByCapability).reduce((a, b) => a + b, 0)
			expect(byCapability).toBe(day.costMicros)
		}
		const models = await ledger(t.db, user.id, from, to, 'model')
		expect(r.byModel.map(m => ({ key: m.model, ...totalsOf(m) })).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
			models,
		)
		const capabilities = await ledger(t.db, user.id, from, to, 'capability')
		expect(
			r.byCapability.map(c => ({ key: c.capability, ...totalsOf(c) })).sort((a, b) => a.key.localeCompare(b.key)),
		).toEqual(capabilities)
	}

	beforeAll(async () => {
		t = await createTestDb(driver)
		user = await createUser(t.db)
		other = await createUser(t.db, { monthlyBudgetUsd: 3.5 })
		for (const [i, row] of ROWS.entries()) {
			// the chat path writes usage as the user, under RLS: the rollup's trigger must work for them too
			await insert(t.db, user.id, row, i === 1)
			// someone else, on the same days and models, at ten times the cost
			await insert(t.db, other.id, { ...row, cost: row.cost * 10 + 1 })
		}
		// and a bulk insert in one statement, as a backfill or a bench would write
		await t.db.privileged(tx =>
			tx.query(
				`insert into api_usage (user_id, provider, model, capability, input_tokens, output_tokens, cost_micros, created_at)
				 select $1, 'offline', 'offline:chat', 'chat', i, 2 * i, 10 * i, timestamptz '2026-03-05T00:00:00Z' + i * interval '1 hour'
				 from generate_series(0, 47) i`,
				[other.id],
			),
		)
	})
	afterAll(async () => {
		await t?.dispose()
	})

	test('this month (the default): every day, model and capability equals the ledger', async () => {
		const r = await report({})
		expect(r.range).toEqual({ kind: 'month', from: '2026-03-01', to: '2026-03-15', days: 15 })
		expect(r.bucket).toBe('day')
		expect(r.byDay.map(d => d.day)).toHaveLength(15)
		expect(r.byDay[0]?.day).toBe('2026-03-01')
		expect(r.byDay.at(-1)?.day).toBe('2026-03-15')
		await expectReportMatchesLedger(r)
		// the figures themselves, so a ledger query that is wrong in the same way as the rollup cannot pass
		expect(r.totals).toEqual({
			calls: 8,
			costMicros: 1_500 + 40 + 80_000 + 250_000 + 40_000 + 3_000 + 900 + 6_100,
			inputTokens: 630,
			outputTokens: 265,
			images: 3,
			seconds: 35.5,
			characters: 120,
		})
		const day = (d: string) => r.byDay.find(x => x.day === d)
		expect(day('2026-03-01')).toMatchObject({ calls: 3, costMicros: 81_540 })
		expect(day('2026-03-01')?.costByCapability).toEqual({ chat: 1_500, title: 40, image: 80_000 })
		expect(day('2026-03-02')).toMatchObject({ calls: 2, costMicros: 290_000 })
		expect(day('2026-03-10')).toMatchObject({ calls: 2, costMicros: 3_900 })
		expect(day('2026-03-11')).toMatchObject({ calls: 0, costMicros: 0 })
		expect(day('2026-03-15')).toMatchObject({ calls: 1, seconds: 30.5 })
		expect(r.byModel[0]).toMatchObject({ model: 'replicate:video', costMicros: 250_000, seconds: 5 })
		expect(r.byModel.find(m => m.model === 'openai:gpt-4o')).toMatchObject({
			calls: 3,
			inputTokens: 630,
			outputTokens: 265,
			capabilities: ['chat', 'title', 'vision'],
		})
		expect(r.byCapability.map(c => c.capability)).toEqual([
			'video',
			'image',
			'transcribe',
			'speech',
			'chat',
			'vision',
			'title',
		])
		// the budget's month is the whole calendar month: tomorrow's row (a clock ahead) counts there
		expect(r.month).toEqual({
			costMicros: r.totals.costMicros + 7_777,
			budgetMicros: 25_000_000,
			budgetIsDefault: true,
			resetsOn: '2026-04-01',
		})
	})

	test('the last 30 days, custom ranges and their edges equal the ledger', async () => {
		const last30 = await report({ range: '30d' })
		expect(last30.range).toEqual({ kind: '30d', from: '2026-02-14', to: '2026-03-15', days: 30 })
		await expectReportMatchesLedger(last30)
		expect(last30.totals.calls).toBe(9)
		// this month's spend does not follow the range
		expect(last30.month.costMicros).toBe(381_540 + 7_777)

		const february28 = await report({ range: 'custom', from: '2026-02-28', to: '2026-02-28' })
		expect(february28.totals).toMatchObject({ calls: 1, costMicros: 1_111 })
		await expectReportMatchesLedger(february28)
		expect(february28.month.costMicros).toBe(381_540 + 7_777)

		const tenth = await report({ from: '2026-03-10', to: '2026-03-10' })
		expect(tenth.range.kind).toBe('custom')
		expect(tenth.totals).toMatchObject({ calls: 2, characters: 120, inputTokens: 500 })

		// a whole year, both ends included: 2025-03-15 is in, the millisecond before it is not
		const year = await report({ from: '2025-03-15', to: '2026-03-15' })
		expect(year.range.days).toBe(366)
		// charted by week: 2025-03-15 is a Saturday, so the first bucket is two days; Mondays after it
		expect(year.bucket).toBe('week')
		expect(year.byDay[0]).toMatchObject({ day: '2025-03-15', to: '2025-03-16', calls: 1, costMicros: 12_345 })
		expect(year.byDay[1]).toMatchObject({ day: '2025-03-17', to: '2025-03-23' })
		expect(year.byDay.at(-1)).toMatchObject({ day: '2026-03-09', to: '2026-03-15' })
		expect(year.byDay).toHaveLength(53)
		await expectReportMatchesLedger(year)
		expect(year.totals.calls).toBe(10)
		expect(year.byCapability.find(c => c.capability === 'music')).toMatchObject({ calls: 1, costMicros: 12_345 })

		// a range in the future is empty, not an error
		const empty = await report({ from: '2027-01-01', to: '2027-01-31' })
		expect(empty.totals).toEqual(emptyTotals())
		expect(empty.byModel).toEqual([])
		expect(empty.byDay).toHaveLength(31)
	})

	test("another user's rows never count, and each user sees their own budget", async () => {
		const mine = await report({ from: '2025-01-01', to: '2025-12-31' })
		const theirs = await analytics().report(other, { from: '2026-03-01', to: '2026-03-15' })
		if (isRefusal(theirs)) throw new Error(theirs.message)
		expect(mine.totals.calls).toBe(2)
		expect(theirs.totals.calls).toBe(8 + 48)
		expect(theirs.month).toMatchObject({ budgetMicros: 3_500_000, budgetIsDefault: false })
		const theirLedger = await ledger(t.db, other.id, '2026-03-01', '2026-03-15', "'all'")
		expect(theirs.totals.costMicros).toBe(theirLedger[0]?.costMicros)
		// read as the user, the rollup has nothing of anyone else's
		const visible = await t.db.asUser(user.id, tx =>
			tx.query<{ user_id: string }>('select distinct user_id from api_usage_daily'),
		)
		expect(visible.rows).toEqual([{ user_id: user.id }])
		await expect(
			t.db.asUser(user.id, tx =>
				tx.query(
					`insert into api_usage_daily (user_id, day, model, capability, calls) values ($1, '2026-03-01', 'x', 'chat', 1)`,
					[user.id],
				),
			),
		).rejects.toThrow()
	})

	test('the export has one row per day, model and capability, summing to the report', async () => {
		const result = await analytics().export(user, { range: 'month' })
		if (isRefusal(result)) throw new Error(result.message)
		expect(result.groups.map(g => `${g.day} ${g.model} ${g.capability}`)).toEqual([
			'2026-03-01 offline:image image',
			'2026-03-01 openai:gpt-4o chat',
			'2026-03-01 openai:gpt-4o title',
			'2026-03-02 offline:image image',
			'2026-03-02 replicate:video video',
			'2026-03-10 offline:speech speech',
			'2026-03-10 openai:gpt-4o vision',
			'2026-03-15 openai:whisper-1 transcribe',
		])
		const grouped = await ledger(
			t.db,
			user.id,
			'2026-03-01',
			'2026-03-15',
			`to_char((created_at at time zone 'UTC')::date, 'YYYY-MM-DD') || ' ' || model || ' ' || capability`,
		)
		expect(result.groups.map(g => ({ ...totalsOf(g), key: `${g.day} ${g.model} ${g.capability}` }))).toEqual(grouped)
	})

	test('a deleted ledger row leaves the totals; changing one in place is refused', async () => {
		await insert(t.db, user.id, {
			at: '2026-03-12T08:00:00Z',
			model: 'offline:image',
			capability: 'image',
			cost: 5,
			units: 1,
			unit: 'image',
		})
		expect((await report({})).totals.calls).toBe(9)
		await t.db.privileged(tx =>
			tx.query(`delete from api_usage where user_id = $1 and created_at = '2026-03-12T08:00:00Z'`, [user.id]),
		)
		const after = await report({})
		expect(after.totals.calls).toBe(8)
		await expectReportMatchesLedger(after)
		const rollup = await t.db.privileged(tx =>
			tx.query(`select 1 from api_usage_daily where user_id = $1 and day = '2026-03-12'`, [user.id]),
		)
		expect(rollup.rowCount).toBe(0)
		await expect(
			t.db.privileged(tx => tx.query('update api_usage set cost_micros = 0 where user_id = $1', [user.id])),
		).rejects.toThrow(/ledger/)
	})

	test('bad ranges are refused with a sentence, not an error', async () => {
		const backwards = await analytics().report(user, { from: '2026-03-10', to: '2026-03-01' })
		expect(backwards).toMatchObject({ refused: true, status: 400, message: expect.stringMatching(/first day/) })
		const tooLong = await analytics().export(user, { from: '2025-03-14', to: '2026-03-15' })
		expect(tooLong).toMatchObject({ refused: true, status: 400, message: expect.stringMatching(/at most 366 days/) })
		// one end only: a custom range of 30 days up to `to`, or from `from` to today
		const toOnly = await report({ to: '2026-01-31' })
		expect(toOnly.range).toEqual({ kind: 'custom', from: '2026-01-02', to: '2026-01-31', days: 30 })
		const fromOnly = await report({ from: '2026-03-01' })
		expect(fromOnly.range).toEqual({ kind: 'custom', from: '2026-03-01', to: '2026-03-15', days: 15 })
	})
})
