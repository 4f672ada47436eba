/**
 * What a signed-in person changes about their account: name, password, sign-in methods, sessions, personal API
 * tokens, export, and deleting the account (undoable for UNDO_SECONDS, then purged with its files).
 */
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { Limits } from '#server/limits/index.ts'
import { rateLimitHeaders, rateLimitMessage } from '#server/limits/http.ts'
import { logger } from '#server/logger.ts'
import { isUuid } from '#server/uuid.ts'
import {
	countOwnedRows,
	exportUserData,
	isPurgeDue,
	listIdentities,
	markUserDeleted,
	passwordHashOf,
	restoreDeletedUser,
	setPasswordHash,
	unlinkIdentity,
	updateName,
} from './accounts.ts'
import { tokensOutcome } from './messages.ts'
import { PROVIDER_LABELS } from './oauth.ts'
import { hashPassword, verifyPassword } from './password.ts'
import { refusal, type RequestAuth } from './requests.ts'
import {
	hashToken,
	insertToken,
	listTokens,
	newToken,
	purgeToken,
	restoreToken,
	revokeAllTokens,
	revokeToken,
} from './tokens.ts'
import type { Auth, OAuthProvider } from './types.ts'

type SettingsPart = Omit<
	Auth,
	| 'providers'
	| 'getUser'
	| 'requireUser'
	| 'requireAdmin'
	| 'forgetUser'
	| 'signUp'
	| 'signIn'
	| 'signOut'
	| 'startProviderSignIn'
	| 'finishProviderSignIn'
	| 'takeFlash'
	| 'close'
>

export function createAccountSettings(deps: {
	db: Db
	jobs: Pick<Jobs, 'enqueue'>
	limits: Limits
	storage: { removeUserFiles(userId: string): Promise<number> } | null
	requests: RequestAuth
	providers: readonly OAuthProvider[]
}): SettingsPart {
	const { db, jobs, limits, storage, requests } = deps
	const { forget } = requests

	return {
		async signInMethods(user) {
			const [hash, identities] = await Promise.all([passwordHashOf(db, user.id), listIdentities(db, user.id)])
			return { hasPassword: hash !== null, identities, available: [...deps.providers] }
		},

		async updateProfile(_request, user, { name }) {
			await updateName(db, user.id, name)
			forget({ userId: user.id })
		},

		async changePassword(request, user, { currentPassword, newPassword, keepTokens = false }) {
			const current = await passwordHashOf(db, user.id)
			if (current !== null) {
				if (!currentPassword) return refusal({ currentPassword: ['Enter your current password.'] })
				if (!(await verifyPassword(currentPassword, current))) {
					return refusal({ currentPassword: ['That is not your current password.'] })
				}
			}
			const { revokedTokens } = await setPasswordHash(db, user.id, await hashPassword(newPassword), {
				keepSessionId: await requests.readSessionId(request),
				revokeTokens: !keepTokens,
			})
			// The other sessions are gone; this one is read again on its next request.
			forget({ userId: user.id })
			logger.info('password changed', { user_id: user.id, revoked_tokens: revokedTokens })
			return { ok: true, revokedTokens }
		},

		async unlinkProvider(_request, user, provider) {
			const outcome = await unlinkIdentity(db, user.id, provider)
			if (outcome === 'last') {
				return refusal({}, [
					`${PROVIDER_LABELS[provider]} is your only way to sign in. Set a password first, then disconnect it.`,
				])
			}
			return { ok: true }
		},

		async listSessions(request, user) {
			const current = await requests.readSessionId(request)
			const { rows } = await db.asUser(user.id, tx =>
				tx.query<{
					id: string
					created_at: Date
					last_seen_at: Date
					expires_at: Date
					user_agent: string | null
					ip: string | null
				}>(
					`select id, created_at, last_seen_at, expires_at, user_agent, ip from sessions
					where expires_at > now() and last_seen_at > now() - make_interval(days => $1)
					order by last_seen_at desc`,
					[requests.idleDays],
				),
			)
			return rows.map(r => ({
				id: r.id,
				createdAt: new Date(r.created_at).toISOString(),
				lastSeenAt: new Date(r.last_seen_at).toISOString(),
				expiresAt: new Date(r.expires_at).toISOString(),
				userAgent: r.user_agent,
				ip: r.ip,
				current: r.id === current,
			}))
		},

		async revokeSession(request, user, sessionId) {
			if (!isUuid(sessionId)) return { headers: null }
			await db.asUser(user.id, tx => tx.query('delete from sessions where id = $1', [sessionId]))
			requests.forgetSession(sessionId)
			if (sessionId !== (await requests.readSessionId(request))) return { headers: null }
			forget({ sessionId })
			return { headers: await requests.clearCookieHeaders() }
		},

		async signOutEverywhere(_request, user, { keepTokens = false } = {}) {
			// Tokens go too unless kept: "everywhere" includes the scripts a lost laptop could still run.
			const revokedTokens = await db.asUser(user.id, async tx => {
				await tx.query('delete from sessions where user_id = $1', [user.id])
				return keepTokens ? 0 : await revokeAllTokens(tx, user.id)
			})
			logger.info('signed out everywhere', { user_id: user.id, revoked_tokens: revokedTokens })
			forget({ userId: user.id })
			// The sign-in page that follows says what happened.
			const headers = await requests.flashHeaders(
				{ notice: `You are signed out everywhere. ${tokensOutcome(revokedTokens, keepTokens)}` },
				await requests.clearCookieHeaders(),
			)
			return { headers, revokedTokens }
		},

		listApiTokens: user => listTokens(db, user.id),

		async createApiToken(user, { name, ip }) {
			const result = await limits.consume('api_token', { ip, userId: user.id })
			if (!result.allowed) {
				return {
					ok: false,
					message: rateLimitMessage(result),
					retryAfterSeconds: result.retryAfterSeconds,
					headers: rateLimitHeaders(result),
				}
			}
			const created = await insertToken(db, user.id, name)
			logger.info('api token created', { user_id: user.id, token_id: created.info.id })
			return { ok: true, ...created }
		},

		async revokeApiToken(user, tokenId) {
			if (!isUuid(tokenId)) return null
			return await revokeToken(db, jobs, user.id, tokenId)
		},

		async restoreApiToken(user, tokenId) {
			if (!isUuid(tokenId)) return false
			return await restoreToken(db, user.id, tokenId)
		},

		purgeApiToken: tokenId => (isUuid(tokenId) ? purgeToken(db, tokenId) : Promise.resolve()),

		exportData: user => exportUserData(db, user.id),

		async deleteAccount(_request, user, { confirmEmail }) {
			if (confirmEmail.trim().toLowerCase() !== user.email.toLowerCase()) {
				return refusal({ confirmEmail: ['Type the e-mail address of this account to confirm.'] })
			}
			const restoreToken = newToken()
			if (!(await markUserDeleted(db, jobs, user.id, hashToken(restoreToken)))) {
				return refusal({}, ['This account is already being deleted.'])
			}
			logger.info('account deleted, purge scheduled', { user_id: user.id })
			forget({ userId: user.id })
			return { ok: true, headers: await requests.clearCookieHeaders(), restoreToken }
		},

		async restoreAccount(request, { restoreToken, ip }) {
			const user = await restoreDeletedUser(db, hashToken(restoreToken))
			if (!user) return { ok: false }
			logger.info('account deletion undone', { user_id: user.id })
			return { ok: true, user, headers: await requests.startSession(request, user, ip) }
		},

		async purgeAccount(userId) {
			if (!isUuid(userId) || !(await isPurgeDue(db, userId))) return
			// Files first: if removing them fails, the job is tried again with the account still there to find them.
			if (storage) await storage.removeUserFiles(userId)
			await db.privileged(tx => tx.query('delete from users where id = $1', [userId]))
			const left = Object.entries(await countOwnedRows(db, userId)).filter(([, n]) => n > 0)
			if (left.length > 0) logger.error('account deletion left rows behind', { user_id: userId, tables: left })
			// Anything stored while the rows were being deleted goes too.
			if (storage) {
				await storage.removeUserFiles(userId).catch((error: unknown) => {
					logger.error('removing files after account deletion failed', { user_id: userId, error })
				})
			}
			logger.info('account purged', { user_id: userId })
		},
	}
}
