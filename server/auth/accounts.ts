/**
 * Accounts: creating users (the first one is the administrator), linking provider identities, profile and
 * password changes, the data export and account deletion. Reads and writes a user may do themselves go
 * through `db.asUser`, so row-level security applies; sign-up, sign-in lookups and password hashes are
 * privileged (users cannot read or write hashes), and each such call says so.
 */
import { schedulePurge, windowOpen, windowPassed } from '#server/jobs/undo.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { Db, Tx } from '#server/db/index.ts'
import { isUniqueViolation } from '#server/db/index.ts'
import { toSessionUser } from './session.ts'
import { revokeAllTokens } from './tokens.ts'
import type { ExportArchive, Identity, OAuthProvider, SessionUser } from './types.ts'

type UserRow = { id: string; email: string; name: string; role: string }

/** Serialises sign-ups for the "first account is the administrator" rule (two first sign-ups at once). */
const FIRST_USER_LOCK = "select pg_advisory_xact_lock(hashtext('generation-studio:first-user'))"

async function insertUser(
	tx: Tx,
	input: { email: string; name: string; passwordHash: string | null },
): Promise<SessionUser> {
	await tx.query(FIRST_USER_LOCK)
	const { rows } = await tx.query<UserRow>(
		`insert into users (email, name, password_hash, role)
		values ($1, $2, $3, case when exists (select 1 from users) then 'user' else 'admin' end)
		returning id, email, name, role`,
		[input.email, input.name, input.passwordHash],
	)
	const row = rows[0]
	if (!row) throw new Error('creating a user returned no row')
	return toSessionUser(row)
}

/** A new local account, or null when the e-mail is taken. Privileged: nobody is signed in yet. */
export async function createLocalUser(
	db: Db,
	input: { email: string; name: string; passwordHash: string },
): Promise<SessionUser | null> {
	try {
		return await db.privileged(tx => insertUser(tx, input))
	} catch (error) {
		if (isUniqueViolation(error)) return null
		throw error
	}
}

/** The account an e-mail belongs to, with its password hash, for checking a sign-in. Privileged. */
export async function findUserByEmail(
	db: Db,
	email: string,
): Promise<(SessionUser & { passwordHash: string | null; disabled: boolean }) | null> {
	const { rows } = await db.privileged(tx =>
		tx.query<UserRow & { password_hash: string | null; disabled: boolean }>(
			// A deleted account (waiting for its purge) cannot sign in: only the Undo of its deletion brings it back.
			`select id, email, name, role, password_hash, disabled_at is not null as disabled
			from users where lower(email) = lower($1) and deleted_at is null`,
			[email],
		),
	)
	const row = rows[0]
	return row ? { ...toSessionUser(row), passwordHash: row.password_hash, disabled: row.disabled } : null
}

export type ProviderProfile = {
	provider: OAuthProvider
	providerUserId: string
	/** The e-mail the provider vouches for, or null when it has none it has verified. */
	verifiedEmail: string | null
	name: string
}

export type OAuthOutcome = { ok: true; user: SessionUser; created: boolean } | { ok: false; message: string }

const PROVIDER_NAMES: Record<OAuthProvider, string> = { github: 'GitHub', google: 'Google' }

/**
 * Who a provider sign-in is: the account already linked to this provider identity; else, when linking from
 * settings, the signed-in user; else the account whose e-mail matches the provider's verified e-mail (linked
 * now: the provider has proved the address, as a password reset by e-mail would); else a new account.
 * An unverified e-mail never links or creates anything: that would let anyone claim someone else's address.
 * Privileged: it runs before anyone is signed in, and checks ownership itself.
 */
export async function resolveProviderUser(
	db: Db,
	profile: ProviderProfile,
	linkTo: SessionUser | null,
): Promise<OAuthOutcome> {
	const label = PROVIDER_NAMES[profile.provider]
	try {
		return await db.privileged(async tx => {
			const linked = await tx.query<UserRow>(
				`select u.id, u.email, u.name, u.role from identities i join users u on u.id = i.user_id
				where i.provider = $1 and i.provider_user_id = $2`,
				[profile.provider, profile.providerUserId],
			)
			const existing = linked.rows[0]
			if (existing) {
				if (linkTo && existing.id !== linkTo.id) {
					return { ok: false, message: `This ${label} account is already connected to another account.` }
				}
				await tx.query('update identities set email = $3 where provider = $1 and provider_user_id = $2', [
					profile.provider,
					profile.providerUserId,
					profile.verifiedEmail,
				])
				return { ok: true, user: toSessionUser(existing), created: false }
			}
			const link = (userId: string) =>
				tx.query('insert into identities (user_id, provider, provider_user_id, email) values ($1, $2, $3, $4)', [
					userId,
					profile.provider,
					profile.providerUserId,
					profile.verifiedEmail,
				])
			if (linkTo) {
				const other = await tx.query('select 1 from identities where user_id = $1 and provider = $2', [
					linkTo.id,
					profile.provider,
				])
				if (other.rowCount > 0) {
					return { ok: false, message: `Your account is already connected to a different ${label} account.` }
				}
				await link(linkTo.id)
				return { ok: true, user: linkTo, created: false }
			}
			if (!profile.verifiedEmail) {
				return {
					ok: false,
					message: `Your ${label} account has no verified e-mail address. Verify one at ${label}, or sign up with a password.`,
				}
			}
			const byEmail = await tx.query<UserRow>(
				'select id, email, name, role from users where lower(email) = lower($1)',
				[profile.verifiedEmail],
			)
			const owner = byEmail.rows[0]
			if (owner) {
				await link(owner.id)
				return { ok: true, user: toSessionUser(owner), created: false }
			}
			const user = await insertUser(tx, {
				email: profile.verifiedEmail,
				name: profile.name.slice(0, 200),
				passwordHash: null,
			})
			await link(user.id)
			return { ok: true, user, created: true }
		})
	} catch (error) {
		// Two callbacks for the same new identity at once: the second finds it on a retry.
		if (isUniqueViolation(error))
			return { ok: false, message: `Signing in with ${label} did not finish. Please try again.` }
		throw error
	}
}

type IdentityRow = { provider: OAuthProvider; email: string | null; created_at: Date }

export async function listIdentities(db: Db, userId: string): Promise<Identity[]> {
	const { rows } = await db.asUser(userId, tx =>
		tx.query<IdentityRow>('select provider, email, created_at from identities order by created_at'),
	)
	return rows.map(r => ({ provider: r.provider, email: r.email, createdAt: new Date(r.created_at).toISOString() }))
}

/** Privileged: users cannot read password hashes, only whether they have one. */
export async function passwordHashOf(db: Db, userId: string): Promise<string | null> {
	const { rows } = await db.privileged(tx =>
		tx.query<{ password_hash: string | null }>('select password_hash from users where id = $1', [userId]),
	)
	return rows[0]?.password_hash ?? null
}

/** Privileged (the column is not writable by users), after the caller has checked the current password. */
export async function setPasswordHash(
	db: Db,
	userId: string,
	passwordHash: string,
	options: { keepSessionId: string | null; revokeTokens: boolean },
): Promise<{ revokedTokens: number }> {
	return await db.privileged(async tx => {
		await tx.query('update users set password_hash = $2 where id = $1', [userId, passwordHash])
		// A new password signs out every other device: the old one may be why it was changed. API tokens too,
		// unless the person chose to keep their scripts running.
		await tx.query('delete from sessions where user_id = $1 and id is distinct from $2', [
			userId,
			options.keepSessionId,
		])
		return { revokedTokens: options.revokeTokens ? await revokeAllTokens(tx, userId) : 0 }
	})
}

/** Removes a provider link unless it is the last way to sign in. */
export async function unlinkIdentity(
	db: Db,
	userId: string,
	provider: OAuthProvider,
): Promise<'removed' | 'last' | 'none'> {
	const hasPassword = (await passwordHashOf(db, userId)) !== null
	return await db.asUser(userId, async tx => {
		const { rows } = await tx.query<{ provider: OAuthProvider }>('select provider from identities')
		if (!rows.some(r => r.provider === provider)) return 'none'
		if (!hasPassword && rows.length <= 1) return 'last'
		await tx.query('delete from identities where provider = $1', [provider])
		return 'removed'
	})
}

export async function updateName(db: Db, userId: string, name: string): Promise<void> {
	await db.asUser(userId, tx => tx.query('update users set name = $2 where id = $1', [userId, name]))
}

/** Columns never exported: secrets, and search vectors derived from exported text. */
const NOT_EXPORTED = ['password_hash', 'token_hash', 'restore_token_hash', 'search']

type OwnedTable = { name: string; ordered: boolean }

/** The tables that hold rows owned by a user: every table in `public` with a `user_id` column. */
async function ownedTables(tx: Tx): Promise<OwnedTable[]> {
	const { rows } = await tx.query<{ table_name: string; has_created_at: boolean }>(
		`select c.table_name, bool_or(c.column_name = 'created_at') as has_created_at
		from information_schema.columns c
		join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
		where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
		group by c.table_name
		having bool_or(c.column_name = 'user_id')
		order by c.table_name`,
	)
	return rows.map(r => ({ name: r.table_name, ordered: r.has_created_at }))
}

/**
 * Every row the user owns, in every table that has a `user_id` (found at run time, so a table added later is
 * exported without touching this code). Privileged so hidden columns can be read and left out by name;
 * every query is filtered on the owner.
 */
export async function exportUserData(db: Db, userId: string): Promise<ExportArchive> {
	return await db.privileged(async tx => {
		const strip = NOT_EXPORTED.map(c => ` - '${c}'`).join('')
		const user = await tx.query<{ row: Record<string, unknown> }>(
			`select to_jsonb(u)${strip} as row from users u where id = $1`,
			[userId],
		)
		const tables: ExportArchive['tables'] = {}
		for (const table of await ownedTables(tx)) {
			const order = table.ordered ? ' order by created_at, id' : ''
			const { rows } = await tx.query<{ row: Record<string, unknown> }>(
				`select to_jsonb(t)${strip} as row from public.${quoteIdent(table.name)} t where user_id = $1${order}`,
				[userId],
			)
			tables[table.name] = rows.map(r => r.row)
		}
		return {
			format: 'generation-studio-export',
			version: 1,
			exportedAt: new Date().toISOString(),
			user: user.rows[0]?.row ?? {},
			tables,
		}
	})
}

function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`
}

/**
 * Account deletion, first step: the account is marked deleted (it can no longer sign in, and its API tokens stop
 * working), every session of it ends, and its purge is enqueued in the same transaction. `restoreTokenHash` is
 * the hash of the Undo credential. Privileged: users may not write these columns themselves.
 */
export async function markUserDeleted(
	db: Db,
	jobs: Pick<Jobs, 'enqueue'>,
	userId: string,
	restoreTokenHash: string,
): Promise<boolean> {
	return await db.privileged(async tx => {
		const { rowCount } = await tx.query(
			'update users set deleted_at = now(), restore_token_hash = $2 where id = $1 and deleted_at is null',
			[userId, restoreTokenHash],
		)
		if (rowCount === 0) return false
		await tx.query('delete from sessions where user_id = $1', [userId])
		await schedulePurge(jobs, tx, 'account', userId)
		return true
	})
}

/** Undo of a deletion, by its credential, while the window is open: the account as it was. Privileged. */
export async function restoreDeletedUser(db: Db, restoreTokenHash: string): Promise<SessionUser | null> {
	const { rows } = await db.privileged(tx =>
		tx.query<UserRow>(
			`update users set deleted_at = null, restore_token_hash = null
			where restore_token_hash = $1 and ${windowOpen('deleted_at')} returning id, email, name, role`,
			[restoreTokenHash],
		),
	)
	return rows[0] ? toSessionUser(rows[0]) : null
}

/** True when the account is marked deleted and its undo window is over: the purge may go ahead. */
export async function isPurgeDue(db: Db, userId: string): Promise<boolean> {
	const { rowCount } = await db.privileged(tx =>
		tx.query(`select 1 from users where id = $1 and ${windowPassed('deleted_at')}`, [userId]),
	)
	return rowCount > 0
}

/** Deletes the user; every row they own goes with it (ON DELETE CASCADE from users). */
export async function deleteUser(db: Db, userId: string): Promise<boolean> {
	const { rowCount } = await db.asUser(userId, tx => tx.query('delete from users where id = $1', [userId]))
	return rowCount > 0
}

/** Rows still owned by a user in any table (account deletion's own check, and the tests'). */
export async function countOwnedRows(db: Db, userId: string): Promise<Record<string, number>> {
	return await db.privileged(async tx => {
		const counts: Record<string, number> = {}
		const users = await tx.query<{ n: number }>('select count(*)::int as n from users where id = $1', [userId])
		counts.users = users.rows[0]?.n ?? 0
		for (const table of await ownedTables(tx)) {
			const { rows } = await tx.query<{ n: number }>(
				`select count(*)::int as n from public.${quoteIdent(table.name)} where user_id = $1`,
				[userId],
			)
			counts[table.name] = rows[0]?.n ?? 0
		}
		return counts
	})
}
