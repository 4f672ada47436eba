/**
 * Personal API tokens: `gs_` + 256 random bits, shown once. Only a SHA-256 of the token is stored (a fast
 * hash is enough: the token is random, not a guessable password), so a database leak reveals no usable token.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Db, Tx } from '#server/db/index.ts'
import { schedulePurge, windowOpen, windowPassed } from '#server/jobs/undo.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { toSessionUser } from './session.ts'
import type { ApiTokenInfo, SessionUser } from './types.ts'

const TOKEN_PREFIX = 'gs_'
const TOKEN_SHAPE = /^gs_[A-Za-z0-9_-]{43}$/
/** last_used_at is written at most once a minute per token: a busy script must not write on every call. */
const LAST_USED_INTERVAL_MS = 60_000

export function newToken(): string {
	return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
}

export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex')
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(request: Request): string | null {
	const header = request.headers.get('authorization')
	const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
	return match?.[1] ?? null
}

type TokenUserRow = {
	token_id: string
	last_used_at: Date | null
	id: string
	email: string
	name: string
	role: string
	disabled: boolean
}

/**
 * The user behind a live token; `'disabled'` when the token is live but an administrator disabled its account
 * (the caller answers that plainly instead of a bare 401). Privileged: the caller is not known until the token is.
 */
export async function findTokenUser(db: Db, token: string): Promise<SessionUser | 'disabled' | null> {
	if (!TOKEN_SHAPE.test(token)) return null
	return await db.privileged(async tx => {
		const { rows } = await tx.query<TokenUserRow>(
			`select t.id as token_id, t.last_used_at, u.id, u.email, u.name, u.role, u.disabled_at is not null as disabled
			from api_tokens t join users u on u.id = t.user_id
			where t.token_hash = $1 and t.revoked_at is null and u.deleted_at is null`,
			[hashToken(token)],
		)
		const row = rows[0]
		if (!row) return null
		if (row.disabled) return 'disabled'
		if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > LAST_USED_INTERVAL_MS) {
			await tx.query('update api_tokens set last_used_at = now() where id = $1', [row.token_id])
		}
		return toSessionUser(row)
	})
}

type TokenRow = { id: string; name: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }

function toInfo(row: TokenRow): ApiTokenInfo {
	return {
		id: row.id,
		name: row.name,
		createdAt: new Date(row.created_at).toISOString(),
		lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
		revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
	}
}

/** The live tokens: a revoked one leaves the list at once (its row is purged after the undo window). */
export async function listTokens(db: Db, userId: string): Promise<ApiTokenInfo[]> {
	const { rows } = await db.asUser(userId, tx =>
		tx.query<TokenRow>(
			'select id, name, created_at, last_used_at, revoked_at from api_tokens where revoked_at is null order by created_at desc',
		),
	)
	return rows.map(toInfo)
}

export async function insertToken(
	db: Db,
	userId: string,
	name: string,
): Promise<{ token: string; info: ApiTokenInfo }> {
	const token = newToken()
	const { rows } = await db.asUser(userId, tx =>
		tx.query<TokenRow>(
			`insert into api_tokens (user_id, name, token_hash) values ($1, $2, $3)
			returning id, name, created_at, last_used_at, revoked_at`,
			[userId, name, hashToken(token)],
		),
	)
	const row = rows[0]
	if (!row) throw new Error('creating an API token returned no row')
	return { token, info: toInfo(row) }
}

/** Revokes every live token of the user (a password change, signing out everywhere); how many there were. */
export async function revokeAllTokens(tx: Tx, userId: string): Promise<number> {
	const { rowCount } = await tx.query(
		'update api_tokens set revoked_at = now() where user_id = $1 and revoked_at is null',
		[userId],
	)
	return rowCount
}

/** The name of the live token of this user that was revoked now (its purge enqueued in the same transaction), or null. */
export async function revokeToken(
	db: Db,
	jobs: Pick<Jobs, 'enqueue'>,
	userId: string,
	tokenId: string,
): Promise<string | null> {
	return await db.asUser(userId, async tx => {
		const { rows } = await tx.query<{ name: string }>(
			'update api_tokens set revoked_at = now() where id = $1 and revoked_at is null returning name',
			[tokenId],
		)
		const name = rows[0]?.name
		if (name === undefined) return null
		await schedulePurge(jobs, tx, 'api_token', tokenId)
		return name
	})
}

/** Undo of a revocation, while the window is open: the same token works again. */
export async function restoreToken(db: Db, userId: string, tokenId: string): Promise<boolean> {
	const { rowCount } = await db.asUser(userId, tx =>
		tx.query(`update api_tokens set revoked_at = null where id = $1 and ${windowOpen('revoked_at')}`, [tokenId]),
	)
	return rowCount > 0
}

/** The purge job's part: a revoked token's row goes once the undo window is over. Privileged. */
export async function purgeToken(db: Db, tokenId: string): Promise<void> {
	await db.privileged(tx =>
		tx.query(`delete from api_tokens where id = $1 and ${windowPassed('revoked_at')}`, [tokenId]),
	)
}
