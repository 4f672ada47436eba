/**
 * The cost ledger: every provider call becomes one `api_usage` row, and a user's monthly budget is checked
 * against it before anything that costs money is started.
 */
import { formatUsd } from './money.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { ProviderName, Usage } from '#server/providers/types.ts'
import { refuse } from '../refusal.ts'
import type { Refusal } from '../refusal.ts'

export type UsageCapability = 'chat' | 'title' | 'image' | 'video' | 'speech' | 'music' | 'transcribe' | 'vision'

export type UsageRecord = {
	userId: string
	provider: ProviderName
	model: string
	capability: UsageCapability
	usage: Usage
	costMicros: number
	generationId?: string | null
	messageId?: string | null
}

const UNIT_COLUMN: Record<Usage['unit'], string | null> = {
	tokens: null,
	images: 'image',
	seconds: 'second',
	characters: 'character',
}

export async function recordUsage(tx: Tx, record: UsageRecord): Promise<void> {
	const unit = UNIT_COLUMN[record.usage.unit]
	const units = unit ? (record.usage.units ?? 0) : null
	await tx.query(
		`insert into public.api_usage
			(user_id, provider, model, capability, input_tokens, output_tokens, units, unit, cost_micros, generation_id, message_id)
		 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		[
			record.userId,
			record.provider,
			record.model,
			record.capability,
			record.usage.inputTokens ?? null,
			record.usage.outputTokens ?? null,
			units,
			unit ? unit : null,
			Math.max(0, Math.round(record.costMicros)),
			record.generationId ?? null,
			record.messageId ?? null,
		],
	)
}

/** Spent this calendar month (UTC) plus what queued work is expected to cost, against the user's budget. */
export async function checkBudget(
	tx: Tx,
	userId: string,
	estimateMicros: number,
	defaultBudgetUsd: number,
): Promise<Refusal | null> {
	const { rows } = await tx.query<{ spent: string | number | null; budget: string | number | null }>(
		`select
			(select coalesce(sum(cost_micros), 0) from public.api_usage
				where user_id = $1 and created_at >= date_trunc('month', now() at time zone 'utc') at time zone 'utc') as spent,
			(select monthly_budget_usd from public.users where id = $1) as budget`,
		[userId],
	)
	const spent = Number(rows[0]?.spent ?? 0)
	const budgetUsd =
		rows[0]?.budget === null || rows[0]?.budget === undefined ? defaultBudgetUsd : Number(rows[0].budget)
	const budgetMicros = Math.round(budgetUsd * 1_000_000)
	if (spent + estimateMicros <= budgetMicros) return null
	const now = new Date()
	const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
	const resetText = reset.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' })
	return refuse(
		402,
		'budget_exceeded',
		`This would go over your monthly budget: you have used ${formatUsd(spent)} of ${formatUsd(budgetMicros)}` +
			(estimateMicros > 0 ? ` and this costs about ${formatUsd(estimateMicros)}` : '') +
			`. The budget starts again on ${resetText}; an admin can raise it.`,
	)
}

export type UsageSummary = {
	monthCostMicros: number
	budgetMicros: number
	byModel: Array<{ model: string; capability: string; calls: number; costMicros: number }>
	byDay: Array<{ day: string; calls: number; costMicros: number }>
}

/** This month's spending for the analytics page: by model and by day (UTC), read as the user (RLS applies). */
export async function usageSummary(db: Db, userId: string, defaultBudgetUsd: number): Promise<UsageSummary> {
	return db.asUser(userId, async tx => {
		const month = `date_trunc('month', now() at time zone 'utc') at time zone 'utc'`
		const byModel = await tx.query<{ model: string; capability: string; calls: number; cost: number | string }>(
			`select model, capability, count(*)::int as calls, coalesce(sum(cost_micros), 0) as cost
			 from public.api_usage where created_at >= ${month} group by model, capability order by cost desc, calls desc`,
		)
		const byDay = await tx.query<{ day: string; calls: number; cost: number | string }>(
			`select to_char(created_at at time zone 'utc', 'YYYY-MM-DD') as day, count(*)::int as calls, coalesce(sum(cost_micros), 0) as cost
			 from public.api_usage where created_at >= ${month} group by 1 order by 1`,
		)
		const budget = await tx.query<{ budget: string | number | null }>(
			'select monthly_budget_usd as budget from public.users where id = $1',
			[userId],
		)
		const raw = budget.rows[0]?.budget
		return {
			monthCostMicros: byModel.rows.reduce((sum, r) => sum + Number(r.cost), 0),
			budgetMicros: Math.round((raw === null || raw === undefined ? defaultBudgetUsd : Number(raw)) * 1_000_000),
			byModel: byModel.rows.map(r => ({
				model: r.model,
				capability: r.capability,
				calls: r.calls,
				costMicros: Number(r.cost),
			})),
			byDay: byDay.rows.map(r => ({ day: r.day, calls: r.calls, costMicros: Number(r.cost) })),
		}
	})
}
