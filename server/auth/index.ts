/**
 * Accounts and sign-in: local accounts (e-mail + password, scrypt), GitHub and Google when configured,
 * database-backed sessions, personal API tokens, and the settings behind them. Built once in
 * server/services.ts; routes reach it as `context.services.auth` (thin wrappers in app/utils/auth.server.ts).
 * See docs/decisions/005-central-route-protection.md for how every route is guarded.
 */
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { Limits } from '#server/limits/index.ts'
import { createRequestAuth } from './requests.ts'
import type { SessionCache } from './session-cache.ts'
import { createAccountSettings } from './settings.ts'
import { createSignIn } from './sign-in.ts'
import type { Auth } from './types.ts'

export type * from './types.ts'
export type { FlowMode } from './oauth.ts'
export { PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH } from './password.ts'
export { loginRedirect } from './requests.ts'

export type AuthDeps = {
	config: Config
	db: Db
	/** Deleting an account or revoking a token enqueues its purge. */
	jobs: Pick<Jobs, 'enqueue'>
	limits: Limits
	/** When files are stored, account deletion removes the user's files too. */
	storage?: { removeUserFiles(userId: string): Promise<number> } | null
	/** Recently seen sessions (tests pass one with their own lifetime or clock). */
	sessionCache?: SessionCache
}

/** The parts: who is asking (./requests.ts), signing in and out (./sign-in.ts), the account's settings (./settings.ts). */
export async function createAuth(deps: AuthDeps): Promise<Auth> {
	const { config, db, jobs, limits } = deps
	const requests = createRequestAuth({ config, db, ...(deps.sessionCache ? { sessionCache: deps.sessionCache } : {}) })
	const signIn = await createSignIn({ config, db, limits, requests })
	const settings = createAccountSettings({
		db,
		jobs,
		limits,
		storage: deps.storage ?? null,
		requests,
		providers: signIn.providers,
	})
	return {
		providers: signIn.providers,
		getUser: requests.getUser,
		requireUser: requests.requireUser,
		requireAdmin: requests.requireAdmin,
		forgetUser: userId => requests.forget({ userId }),
		takeFlash: requests.takeFlash,
		signUp: signIn.signUp,
		signIn: signIn.signIn,
		signOut: signIn.signOut,
		startProviderSignIn: signIn.startProviderSignIn,
		finishProviderSignIn: signIn.finishProviderSignIn,
		...settings,
		async close() {
			// Nothing to close: sessions live in the database, which services.ts closes.
		},
	}
}
