/**
 * The audit log (docs/decisions/031-administration.md): one row per administrator's action, written in the
 * transaction of the action itself, so an action without its entry (or an entry without its action) cannot
 * happen. Administrators read it through row-level security; nobody changes or deletes it.
 */
import type { Db, Tx } from '#server/db/index.ts'
import type { Actor } from '../actor.ts'
import { refuse, type Refusal } from '../refusal.ts'

export type AuditTarget = 'user' | 'model' | 'job'

/** What an entry records: the action, what it was done to, and that thing before and after. */
type AuditChange = {
	action: string
	targetType: AuditTarget
	targetId: string
	targetLabel: string
	before: Record<string, unknown> | null
	after: Record<string, unknown> | null
}

export type AuditEntryInput = AuditChange & { actor: { id: string; email: string } }

export type AuditEntry = AuditChange & { id: string; actorId: string; actorEmail: string; createdAt: string }

/**
 * Inside a change's transaction: the actor is still an enabled administrator (the route checked at the start of
 * the request; this holds the row until the change commits). A refusal otherwise.
 */
export async function stillAdmin(tx: Tx, actorId: string): Promise<Refusal | null> {
	const { rowCount } = await tx.query(
		`select 1 from public.users
		where id = $1 and role = 'admin' and disabled_at is null and deleted_at is null for share`,
		[actorId],
	)
	return rowCount > 0 ? null : refuse(403, 'forbidden', 'This needs an administrator account; nothing was changed.')
}

/** Appends an entry inside `tx`, the transaction that makes the change it records. */
export async function recordAudit(tx: Tx, entry: AuditEntryInput): Promise<void> {
	await tx.query(
		`insert into public.admin_audit (actor_id, actor_email, action, target_type, target_id, target_label, before, after)
		values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
		[
			entry.actor.id,
			entry.actor.email,
			entry.action,
			entry.targetType,
			entry.targetId,
			entry.targetLabel.slice(0, 400),
			entry.before === null ? null : JSON.stringify(entry.before),
			entry.after === null ? null : JSON.stringify(entry.after),
		],
	)
}

type AuditRow = {
	id: string
	actor_id: string
	actor_email: string
	action: string
	target_type: AuditTarget
	target_id: string
	target_label: string
	before: Record<string, unknown> | null
	after: Record<string, unknown> | null
	created_at: Date
	/** created_at to the microsecond (a JS Date keeps milliseconds: a cursor from one could skip a row). */
	cursor_at: string
}

export const AUDIT_PAGE_SIZE = 50

/**
 * A page of the log, newest first, read as the administrator: the select policy lets only administrators see
 * rows, so a non-administrator reading it gets an empty page even if a route forgot its guard.
 */
export async function listAudit(
	db: Db,
	actor: Actor,
	options: { before?: string | undefined; limit?: number } = {},
): Promise<{ entries: AuditEntry[]; next: string | null }> {
	const limit = options.limit ?? AUDIT_PAGE_SIZE
	const [at, id] = options.before ? splitCursor(options.before) : [null, null]
	const { rows } = await db.asUser(actor.id, tx =>
		tx.query<AuditRow>(
			`select id, actor_id, actor_email, action, target_type, target_id, target_label, before, after, created_at,
				to_char(created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
			from public.admin_audit
			where $1::timestamptz is null or (created_at, id) < ($1::timestamptz, $2::uuid)
			order by created_at desc, id desc limit $3`,
			[at, id, limit + 1],
		),
	)
	const entries = rows.slice(0, limit).map(r => ({
		id: r.id,
		actorId: r.actor_id,
		actorEmail: r.actor_email,
		action: r.action,
		targetType: r.target_type,
		targetId: r.target_id,
		targetLabel: r.target_label,
		before: r.before,
		after: r.after,
		createdAt: new Date(r.created_at).toISOString(),
	}))
	// `<time to the microsecond>_<id>` of the last entry shown: the next page starts after it.
	const last = rows[limit - 1]
	return { entries, next: rows.length > limit && last ? `${last.cursor_at}_${last.id}` : null }
}

function splitCursor(cursor: string): [string, string] | [null, null] {
	const at = cursor.lastIndexOf('_')
	const time = cursor.slice(0, at)
	const id = cursor.slice(at + 1)
	return Number.isNaN(Date.parse(time)) ? [null, null] : [time, id]
}
