/**
 * Sign-in with GitHub and Google through remix-auth's strategies (authorization code flow; PKCE and state
 * checked by the strategies). A strategy only turns the provider's answer into a `ProviderProfile`; which
 * account that is gets decided in ./accounts.ts. The state travels in the short-lived flow cookie.
 *
 * Each provider's endpoints can be moved under one base URL (GITHUB_OAUTH_BASE_URL, GOOGLE_OAUTH_BASE_URL) so
 * the tests run the real strategies against a stub server; production refuses a plain-http base.
 */
import type { SessionStorage } from '@remix-run/node'
import { Authenticator, AuthorizationError } from 'remix-auth'
import { GitHubStrategy } from 'remix-auth-github'
import { GoogleStrategy } from 'remix-auth-google'
import type { GoogleProfile, GoogleStrategyOptions } from 'remix-auth-google'
import type { Config } from '#server/config.ts'
import { logger } from '#server/logger.ts'
import type { ProviderProfile } from './accounts.ts'
import type { OAuthProvider } from './types.ts'

/** How long a sign-in callback waits for GitHub or Google (token exchange and profile), unless configured. */
const DEFAULT_PROVIDER_TIMEOUT_MS = 15_000

export type FlowMode = 'signin' | 'link'

export const PROVIDER_LABELS: Record<OAuthProvider, string> = { github: 'GitHub', google: 'Google' }

type GoogleEndpoints = { authorizationURL: string; tokenURL: string; userInfoURL: string }

const GOOGLE_DEFAULTS: GoogleEndpoints = {
	authorizationURL: 'https://accounts.google.com/o/oauth2/v2/auth',
	tokenURL: 'https://oauth2.googleapis.com/token',
	userInfoURL: 'https://www.googleapis.com/oauth2/v3/userinfo',
}

function trimSlash(url: string): string {
	return url.replace(/\/+$/, '')
}

/** remix-auth-google fixes its endpoints in the constructor; this moves them and checks the profile answer. */
class StudioGoogleStrategy<User> extends GoogleStrategy<User> {
	private readonly userInfoEndpoint: string

	constructor(
		options: GoogleStrategyOptions,
		endpoints: GoogleEndpoints,
		verify: ConstructorParameters<typeof GoogleStrategy<User>>[1],
		private readonly timeoutMs: number,
	) {
		super(options, verify)
		this.authorizationURL = endpoints.authorizationURL
		this.tokenURL = endpoints.tokenURL
		this.userInfoEndpoint = endpoints.userInfoURL
	}

	protected override async userProfile(accessToken: string): Promise<GoogleProfile> {
		const response = await fetch(this.userInfoEndpoint, {
			headers: { Authorization: `Bearer ${accessToken}` },
			signal: AbortSignal.timeout(this.timeoutMs),
		})
		if (!response.ok) throw new Error(`Google answered ${response.status} for the user profile`)
		const raw = (await response.json()) as GoogleProfile['_json']
		return {
			provider: 'google',
			id: raw.sub,
			displayName: raw.name,
			name: { familyName: raw.family_name, givenName: raw.given_name },
			emails: [{ value: raw.email }],
			photos: [{ value: raw.picture }],
			_json: raw,
		}
	}
}

export type FlowResult =
	| { ok: true; profile: ProviderProfile; redirectTo: string; mode: FlowMode }
	| { ok: false; message: string; redirectTo: string; mode: FlowMode }

export type OAuthFlows = {
	readonly providers: OAuthProvider[]
	/** The redirect to the provider, with the flow cookie holding state, PKCE verifier and where to return. */
	start(request: Request, provider: OAuthProvider, options: { redirectTo: string; mode: FlowMode }): Promise<Response>
	/** Checks the callback (state, code exchange) and fetches the profile. */
	finish(request: Request, provider: OAuthProvider): Promise<FlowResult>
}

const MAX_ORIGINS = 8

export function createOAuthFlows(
	config: Pick<Config, 'github' | 'google' | 'publicUrl' | 'oauthBaseUrls' | 'providerTimeoutMs'>,
	flowStorage: SessionStorage,
): OAuthFlows {
	const providers: OAuthProvider[] = [
		...(config.github ? (['github'] as const) : []),
		...(config.google ? (['google'] as const) : []),
	]
	const timeoutMs = config.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS
	const githubBase = config.oauthBaseUrls.github ? trimSlash(config.oauthBaseUrls.github) : null
	const googleBase = config.oauthBaseUrls.google ? trimSlash(config.oauthBaseUrls.google) : null
	const googleEndpoints: GoogleEndpoints = googleBase
		? {
				authorizationURL: `${googleBase}/o/oauth2/v2/auth`,
				tokenURL: `${googleBase}/token`,
				userInfoURL: `${googleBase}/oauth2/v3/userinfo`,
			}
		: GOOGLE_DEFAULTS

	// The callback URL is part of each strategy. With PUBLIC_URL (required in production) there is one; in
	// development it follows the address the browser used, so a few are kept.
	const authenticators = new Map<string, Authenticator<ProviderProfile>>()

	function authenticatorFor(request: Request): Authenticator<ProviderProfile> {
		const origin = config.publicUrl?.origin ?? new URL(request.url).origin
		const cached = authenticators.get(origin)
		if (cached) return cached
		const authenticator = new Authenticator<ProviderProfile>(flowStorage, { throwOnError: true })
		if (config.github) {
			authenticator.use(
				new GitHubStrategy<ProviderProfile>(
					{
						clientId: config.github.clientId,
						clientSecret: config.github.clientSecret,
						redirectURI: `${origin}/auth/github/callback`,
						scopes: ['user:email'],
						userAgent: 'Generation Studio',
						...(githubBase
							? {
									authorizationEndpoint: `${githubBase}/login/oauth/authorize`,
									tokenEndpoint: `${githubBase}/login/oauth/access_token`,
									userInfoEndpoint: `${githubBase}/user`,
									userEmailsEndpoint: `${githubBase}/user/emails`,
								}
							: {}),
					},
					// With the user:email scope the strategy lists only verified addresses, the primary one first.
					async ({ profile }) => ({
						provider: 'github',
						providerUserId: profile.id,
						verifiedEmail: profile.emails[0]?.value ?? null,
						name: profile._json.name || profile.displayName || '',
					}),
				),
				'github',
			)
		}
		if (config.google) {
			authenticator.use(
				new StudioGoogleStrategy<ProviderProfile>(
					{
						clientID: config.google.clientId,
						clientSecret: config.google.clientSecret,
						callbackURL: `${origin}/auth/google/callback`,
						scope: ['openid', 'email', 'profile'],
						prompt: 'select_account',
					},
					googleEndpoints,
					async ({ profile }) => ({
						provider: 'google',
						providerUserId: profile.id,
						verifiedEmail: profile._json.email_verified === true && profile._json.email ? profile._json.email : null,
						name: profile.displayName || profile._json.name || '',
					}),
					timeoutMs,
				),
				'google',
			)
		}
		if (authenticators.size >= MAX_ORIGINS) authenticators.delete(authenticators.keys().next().value ?? '')
		authenticators.set(origin, authenticator)
		return authenticator
	}

	return {
		providers,

		async start(request, provider, { redirectTo, mode }) {
			// A fresh flow session, so nothing from an earlier attempt carries over.
			const flow = await flowStorage.getSession()
			flow.set('provider', provider)
			flow.set('redirectTo', redirectTo)
			flow.set('mode', mode)
			const cookie = (await flowStorage.commitSession(flow)).split(';')[0] ?? ''
			// The strategy starts the flow on a request without `state` and stores its state in this session.
			const startRequest = new Request(new URL(request.url).origin + new URL(request.url).pathname, {
				headers: { Cookie: cookie },
			})
			try {
				await authenticatorFor(request).authenticate(provider, startRequest, { throwOnError: true })
			} catch (thrown) {
				if (thrown instanceof Response && thrown.status >= 300 && thrown.status < 400) return thrown
				throw thrown
			}
			throw new Error(`The ${provider} strategy did not redirect to the provider`)
		},

		async finish(request, provider) {
			const flow = await flowStorage.getSession(request.headers.get('Cookie'))
			const redirectTo = typeof flow.get('redirectTo') === 'string' ? String(flow.get('redirectTo')) : '/'
			const mode: FlowMode = flow.get('mode') === 'link' ? 'link' : 'signin'
			const label = PROVIDER_LABELS[provider]
			const failed = (reason: string, error?: unknown): FlowResult => {
				logger.warn('provider sign-in refused', { provider, reason, error })
				return { ok: false, message: `Signing in with ${label} did not work. Please try again.`, redirectTo, mode }
			}
			if (flow.get('provider') !== provider) return failed('no sign-in was started with this provider in this browser')
			try {
				// The strategies call the provider without a time limit of their own: a provider that hangs must not
				// hold the callback (and the person) forever.
				let timer: NodeJS.Timeout | undefined
				const timedOut = new Promise<'timed out'>(resolve => {
					timer = setTimeout(() => resolve('timed out'), timeoutMs)
				})
				const outcome = await Promise.race([
					authenticatorFor(request).authenticate(provider, request, { throwOnError: true }),
					timedOut,
				]).finally(() => clearTimeout(timer))
				if (outcome === 'timed out') return failed(`${label} did not answer within ${timeoutMs / 1000} seconds`)
				return { ok: true, profile: outcome, redirectTo, mode }
			} catch (error) {
				if (error instanceof AuthorizationError) return failed(error.message, error.cause)
				throw error
			}
		},
	}
}
