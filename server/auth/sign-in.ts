/**
 * Signing up, in and out: local accounts through remix-auth's form strategy (scrypt, a decoy hash for unknown
 * e-mails), GitHub and Google through ./oauth.ts, and the `signup` and `signin` rate-limit policies.
 */
import { redirect } from '@remix-run/node'
import { Authenticator, AuthorizationError } from 'remix-auth'
import { FormStrategy } from 'remix-auth-form'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import type { Limits } from '#server/limits/index.ts'
import { rateLimitMessage } from '#server/limits/http.ts'
import { logger } from '#server/logger.ts'
import { createLocalUser, findUserByEmail, resolveProviderUser } from './accounts.ts'
import { createOAuthFlows, PROVIDER_LABELS, type FlowMode } from './oauth.ts'
import { decoyHash, hashPassword, verifyPassword } from './password.ts'
import { ACCOUNT_DISABLED, AccountDisabledError } from './session.ts'
import { refusal, type RequestAuth } from './requests.ts'
import type { OAuthProvider, Refusal, SessionUser, SignedIn } from './types.ts'

class InvalidCredentials extends Error {}

const SIGN_IN_FAILED = 'That e-mail and password do not match an account.'

export async function createSignIn(deps: { config: Config; db: Db; limits: Limits; requests: RequestAuth }) {
	const { config, db, limits, requests } = deps
	const oauth = createOAuthFlows(config, requests.flowStorage)
	const decoy = await decoyHash()

	// remix-auth's form strategy for local accounts: it hands the submitted form to `verify`, which answers
	// with the user or throws. Only an InvalidCredentials error means "wrong e-mail or password".
	const local = new Authenticator<SessionUser>(requests.flowStorage, { throwOnError: true })
	local.use(
		new FormStrategy<SessionUser>(async ({ form }) => {
			const email = String(form.get('email') ?? '')
			const password = String(form.get('password') ?? '')
			const account = await findUserByEmail(db, email)
			// Unknown e-mails are checked against a decoy hash so they take as long as a wrong password.
			const matches = await verifyPassword(password, account?.passwordHash ?? decoy)
			if (!account || !account.passwordHash || !matches) throw new InvalidCredentials(SIGN_IN_FAILED)
			// Said only after the right password: a guesser learns nothing about which accounts are disabled.
			if (account.disabled) throw new AccountDisabledError()
			const { passwordHash: _hash, disabled: _disabled, ...user } = account
			return user
		}),
		'password',
	)

	/** Routes answer 404 for a provider that is not configured before they call; reaching here is a bug. */
	function assertConfigured(provider: OAuthProvider) {
		if (!oauth.providers.includes(provider)) throw new Error(`${provider} sign-in is not configured`)
	}

	async function flashRedirect(to: string, message: { error?: string; notice?: string }) {
		return redirect(to, { headers: await requests.flashHeaders(message) })
	}

	return {
		providers: oauth.providers,

		async signUp(
			request: Request,
			{ name, email, password, ip }: { name: string; email: string; password: string; ip: string },
		): Promise<SignedIn | Refusal> {
			// Counted before the insert, so parallel sign-ups cannot race past it, and given back when refused.
			const limit = await limits.consume('signup', { ip })
			if (!limit.allowed)
				return { ...refusal({}, [rateLimitMessage(limit)]), retryAfterSeconds: limit.retryAfterSeconds }
			const user = await createLocalUser(db, { email, name, passwordHash: await hashPassword(password) })
			if (!user) {
				await limits.reward('signup', { ip })
				return refusal({ email: ['An account with this e-mail already exists. Sign in instead.'] })
			}
			logger.info('account created', { user_id: user.id, method: 'password', role: user.role })
			return { ok: true, user, headers: await requests.startSession(request, user, ip) }
		},

		async signIn(
			request: Request,
			{ email, password, ip }: { email: string; password: string; ip: string },
		): Promise<SignedIn | Refusal> {
			const formRequest = new Request(request.url, { method: 'POST', body: new URLSearchParams({ email, password }) })
			let user: SessionUser
			try {
				user = await local.authenticate('password', formRequest, { throwOnError: true })
			} catch (error) {
				if (error instanceof AuthorizationError && error.cause instanceof InvalidCredentials) {
					return refusal({}, [SIGN_IN_FAILED])
				}
				if (error instanceof AuthorizationError && error.cause instanceof AccountDisabledError) {
					return refusal({}, [ACCOUNT_DISABLED])
				}
				throw error instanceof AuthorizationError && error.cause ? error.cause : error
			}
			// The attempts counted by the route's `signin` policy start again after a success.
			await limits.reset('signin', { ip, email })
			try {
				return { ok: true, user, headers: await requests.startSession(request, user, ip) }
			} catch (error) {
				// Disabled between the password check and the session: no session was started.
				if (error instanceof AccountDisabledError) return refusal({}, [ACCOUNT_DISABLED])
				throw error
			}
		},

		async signOut(request: Request): Promise<Headers> {
			const sessionId = await requests.readSessionId(request)
			if (sessionId) await db.privileged(tx => tx.query('delete from sessions where id = $1', [sessionId]))
			requests.forget({ sessionId })
			return await requests.clearCookieHeaders()
		},

		async startProviderSignIn(
			request: Request,
			provider: OAuthProvider,
			{ redirectTo, mode }: { redirectTo: string; mode: FlowMode },
		): Promise<Response> {
			assertConfigured(provider)
			if (mode === 'link') await requests.requireUser(request)
			return await oauth.start(request, provider, { redirectTo, mode })
		},

		async finishProviderSignIn(request: Request, provider: OAuthProvider, { ip }: { ip: string }): Promise<Response> {
			assertConfigured(provider)
			const result = await oauth.finish(request, provider)
			const back = result.mode === 'link' ? '/settings' : '/login'
			if (!result.ok) return await flashRedirect(back, { error: result.message })
			const linkTo = result.mode === 'link' ? await requests.getUser(request) : null
			if (result.mode === 'link' && !linkTo) return await flashRedirect('/login', { error: 'Sign in first.' })
			const outcome = await resolveProviderUser(db, result.profile, linkTo)
			if (!outcome.ok) return await flashRedirect(back, { error: outcome.message })
			const label = PROVIDER_LABELS[provider]
			if (linkTo) {
				logger.info('sign-in method connected', { user_id: linkTo.id, provider })
				return await flashRedirect('/settings', { notice: `${label} is now connected to your account.` })
			}
			if (outcome.created)
				logger.info('account created', { user_id: outcome.user.id, method: provider, role: outcome.user.role })
			await limits.reset('signin', { ip })
			let headers: Headers
			try {
				headers = await requests.startSession(request, outcome.user, ip)
			} catch (error) {
				if (error instanceof AccountDisabledError) return await flashRedirect('/login', { error: ACCOUNT_DISABLED })
				throw error
			}
			headers.append('Set-Cookie', await requests.clearFlowHeader())
			return redirect(result.redirectTo, { headers })
		},
	}
}
