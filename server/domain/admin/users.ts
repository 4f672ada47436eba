/**
 * Accounts as administrators manage them: the list (search, role, status, this month's spend against the
 * budget) and the four changes — role, budget, disable, enable — each checked, applied and audited in one
 * transaction on the privileged connection (the owner: users cannot change roles, budgets or other people's
 * sessions through row-level security, by design), after the route's `requireAdmin` and again inside the
 * transaction, where the acting administrator's row is locked with the others.
 *
 * The last-administrator guard (docs/decisions/031-administration.md): every change that could leave no
 * enabled administrator first locks every enabled administrator's row, in id order, then counts. Two
 * administrators demoting or disabling each other at once are serialised by those locks; the second one finds
 * that it is no longer an administrator itself, or that its target is the last one, and is refused.
 */
import type { Db, Tx } from '#server/db/index.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { recordAudit } from './audit.ts'
import type { UserAction, UserFilter, UsersQuery } from './schema.ts'

export type AdminActor = { id: string; email: string }

export type AdminUserRow = {
	id: string
	email: string
	name: string
	role: 'user' | 'admin'
	createdAt: string
	disabledAt: string | null
	/** This calendar month (UTC), USD micro-units. */
	monthSpentMicros: number
	/** The account's own budget, or null for the deployment's default. */
	budgetUsd: number | null
	/** The budget in force (own or default), micro-units. */
	budgetMicros: number
}

export const USERS_PAGE_SIZE = 50

const MONTH_START = `date_trunc('month', now() at time zone 'utc') at time zone 'utc'`

/** `%` and `_` typed into the search box are searched for, not wildcards. */
function likePattern(q: string): string {
	return `%${q.replace(/[\\%_]/g, c => `\\${c}`)}%`
}

const FILTER_SQL: Record<UserFilter, string> = {
	all: 'true',
	active: 'u.disabled_at is null',
	disabled: 'u.disabled_at is not null',
	admins: "u.role = 'admin'",
}

type UserRow = {
	id: string
	email: string
	name: string
	role: string
	created_at: Date
	disabled_at: Date | null
	budget: string | number | null
	spent: string | number
}

type State = { role: 'user' | 'admin'; monthlyBudgetUsd: number | null; disabled: boolean }

export function createAdminUsers(deps: {
	db: Db
	defaultBudgetUsd: number
	/** Forgets what this process remembers of the account's sessions (the auth service's cache). */
	forgetUser: (userId: string) => void
}) {
	const { db, defaultBudgetUsd, forgetUser } = deps

	/** A page of accounts (deleted ones awaiting their purge are left out), newest first. */
	async function list(query: UsersQuery): Promise<{ users: AdminUserRow[]; total: number; pages: number }> {
		return await db.privileged(async tx => {
			const where = `u.deleted_at is null and ${FILTER_SQL[query.status]}
				and ($1 = '' or u.email ilike $2 or u.name ilike $2)`
			const params = [query.q, likePattern(query.q)]
			const count = await tx.query<{ total: number }>(
				`select count(*)::int as total from public.users u where ${where}`,
				params,
			)
			const total = Number(count.rows[0]?.total ?? 0)
			const { rows } = await tx.query<UserRow>(
				`select u.id, u.email, u.name, u.role, u.created_at, u.disabled_at, u.monthly_budget_usd as budget,
					coalesce((select sum(a.cost_micros) from public.api_usage a
						where a.user_id = u.id and a.created_at >= ${MONTH_START}), 0) as spent
				from public.users u where ${where}
				order by u.created_at desc, u.id desc limit $3 offset $4`,
				[...params, USERS_PAGE_SIZE, (query.page - 1) * USERS_PAGE_SIZE],
			)
			return {
				total,
				pages: Math.max(1, Math.ceil(total / USERS_PAGE_SIZE)),
				users: rows.map(r => {
					const budgetUsd = r.budget === null ? null : Number(r.budget)
					return {
						id: r.id,
						email: r.email,
						name: r.name,
						role: r.role === 'admin' ? 'admin' : 'user',
						createdAt: new Date(r.created_at).toISOString(),
						disabledAt: r.disabled_at ? new Date(r.disabled_at).toISOString() : null,
						monthSpentMicros: Number(r.spent),
						budgetUsd,
						budgetMicros: Math.round((budgetUsd ?? defaultBudgetUsd) * 1_000_000),
					}
				}),
			}
		})
	}

	/**
	 * Locks every enabled administrator (id order, so two such transactions cannot deadlock) and the target, and
	 * checks that the actor is still one of them. Returns the administrators' ids and the target's state.
	 */
	async function lockForChange(
		tx: Tx,
		actor: AdminActor,
		userId: string,
	): Promise<{ admins: string[]; target: State & { email: string } } | Refusal> {
		const admins = await tx.query<{ id: string }>(
			`select id from public.users
			where role = 'admin' and disabled_at is null and deleted_at is null
			order by id for update`,
		)
		const ids = admins.rows.map(r => r.id)
		if (!ids.includes(actor.id)) {
			return refuse(403, 'forbidden', 'Your account is no longer an administrator; nothing was changed.')
		}
		const { rows } = await tx.query<{
			email: string
			role: string
			budget: string | number | null
			disabled: boolean
		}>(
			`select email, role, monthly_budget_usd as budget, disabled_at is not null as disabled
			from public.users where id = $1 and deleted_at is null for update`,
			[userId],
		)
		const row = rows[0]
		if (!row) return refuse(404, 'not_found', 'That account does not exist (or it is being deleted).')
		return {
			admins: ids,
			target: {
				email: row.email,
				role: row.role === 'admin' ? 'admin' : 'user',
				monthlyBudgetUsd: row.budget === null ? null : Number(row.budget),
				disabled: row.disabled,
			},
		}
	}

	/** Would this change leave no enabled administrator? Then it is refused, whoever asks. */
	function lastAdminRefusal(
		admins: string[],
		target: { id: string; email: string } & State,
		change: 'demote' | 'disable',
	): Refusal | null {
		const counts = target.role === 'admin' && !target.disabled && admins.includes(target.id)
		if (!counts || admins.length > 1) return null
		const then = change === 'demote' ? 'then change this role' : 'then disable this account'
		return refuse(
			409,
			'last_admin',
			`${target.email} is the last administrator: make someone else an administrator first, ${then}.`,
		)
	}

	/** One change: checks, the update, the audit entry, in one transaction; the caches forget the account after. */
	async function apply(actor: AdminActor, action: UserAction): Promise<{ message: string } | Refusal> {
		const result = await db.privileged(async tx => {
			const locked = await lockForChange(tx, actor, action.userId)
			if ('refused' in locked) return locked
			const { admins, target } = locked
			const subject = { id: action.userId, ...target }
			const before: State = { role: target.role, monthlyBudgetUsd: target.monthlyBudgetUsd, disabled: target.disabled }
			let after: State
			let message: string
			let auditAction: string
			switch (action.intent) {
				case 'role': {
					if (action.role === target.role) return { message: `${target.email} is already ${roleWord(action.role)}.` }
					if (action.role === 'user') {
						const refusal = lastAdminRefusal(admins, subject, 'demote')
						if (refusal) return refusal
					}
					await tx.query('update public.users set role = $2 where id = $1', [action.userId, action.role])
					after = { ...before, role: action.role }
					auditAction = 'user.role'
					message = `${target.email} is now ${roleWord(action.role)}.`
					break
				}
				case 'budget': {
					await tx.query('update public.users set monthly_budget_usd = $2 where id = $1', [
						action.userId,
						action.budget,
					])
					after = { ...before, monthlyBudgetUsd: action.budget }
					auditAction = 'user.budget'
					message =
						action.budget === null
							? `${target.email} now has the default budget ($${defaultBudgetUsd} a month).`
							: `${target.email} now has a budget of $${action.budget.toFixed(2)} a month.`
					break
				}
				case 'disable': {
					if (action.userId === actor.id) {
						return refuse(409, 'self_disable', 'You cannot disable your own account; ask another administrator.')
					}
					if (target.disabled) return { message: `${target.email} is already disabled.` }
					const refusal = lastAdminRefusal(admins, subject, 'disable')
					if (refusal) return refusal
					await tx.query('update public.users set disabled_at = now() where id = $1', [action.userId])
					// Signed out everywhere: every session row goes, so every browser is signed out at its next request.
					const sessions = await tx.query('delete from public.sessions where user_id = $1', [action.userId])
					after = { ...before, disabled: true }
					auditAction = 'user.disable'
					message = `${target.email} is disabled and signed out of ${sessions.rowCount} ${sessions.rowCount === 1 ? 'session' : 'sessions'}; their API tokens are refused.`
					break
				}
				case 'enable': {
					if (!target.disabled) return { message: `${target.email} is already enabled.` }
					await tx.query('update public.users set disabled_at = null where id = $1', [action.userId])
					after = { ...before, disabled: false }
					auditAction = 'user.enable'
					message = `${target.email} is enabled again: they can sign in, and their API tokens work.`
					break
				}
			}
			await recordAudit(tx, {
				actor,
				action: auditAction,
				targetType: 'user',
				targetId: action.userId,
				targetLabel: target.email,
				before,
				after,
			})
			return { message }
		})
		forgetUser(action.userId)
		return result
	}

	return { list, apply }
}

function roleWord(role: 'user' | 'admin'): string {
	return role === 'admin' ? 'an administrator' : 'a user'
}
