/**
 * Every rate limit the product applies, in one table. Routes look a policy up by name
 * (`enforce(limits, 'chat', subject)`); figures change here or, per deployment, through RATE_LIMITS
 * (`config.rateLimitOverrides`), which is also the only way tests raise them.
 */
import { ConfigError, type Config } from '#server/config.ts'

/** What a bucket is counted by: the caller's address, their account, both, or the address and the email typed. */
export type PolicyKey = 'ip' | 'user' | 'user+ip' | 'ip+email'

export type Policy = {
	/** Requests (or units of work) allowed per window. */
	points: number
	durationSeconds: number
	/** Once the window's points are spent, refuse everything for this long (brute-force protection). */
	blockSeconds?: number
	key: PolicyKey
}

const MINUTE = 60
const HOUR = 60 * MINUTE

export const POLICIES = {
	/** The whole HTTP pipeline, per address: generous, it only stops floods; the real limits are below. */
	global: { points: 600, durationSeconds: MINUTE, key: 'ip' },
	/**
	 * Counted per attempt, before the password is checked, so parallel guesses cannot race past it; the 11th
	 * attempt in 15 minutes is refused and the pair is blocked for 15 minutes. A successful sign-in resets it.
	 */
	signin: { points: 10, durationSeconds: 15 * MINUTE, blockSeconds: 15 * MINUTE, key: 'ip+email' },
	/**
	 * Sign-in attempts from one address across every account (credential stuffing tries many accounts once
	 * each, which the per-account count never sees). Every attempt counts and a success does not reset it, or
	 * one account of the attacker's own would. Plenty for an office behind one address; then blocked as above.
	 */
	signin_ip: { points: 100, durationSeconds: 15 * MINUTE, blockSeconds: 15 * MINUTE, key: 'ip' },
	/**
	 * Accounts created per address: counted only when an account is created, so a taken e-mail or a refused
	 * password does not use it up. Every attempt counts against `signup_attempt`, which is higher.
	 */
	signup: { points: 5, durationSeconds: HOUR, key: 'ip' },
	signup_attempt: { points: 30, durationSeconds: HOUR, key: 'ip' },
	chat: { points: 60, durationSeconds: MINUTE, key: 'user' },
	/** Generations started: counted when one is queued, so a form refused by validation costs nothing. */
	generation: { points: 10, durationSeconds: MINUTE, key: 'user' },
	analysis: { points: 30, durationSeconds: MINUTE, key: 'user' },
	upload: { points: 10, durationSeconds: MINUTE, key: 'user' },
	transcription: { points: 20, durationSeconds: MINUTE, key: 'user' },
	publish: { points: 10, durationSeconds: MINUTE, key: 'user' },
	analytics: { points: 30, durationSeconds: MINUTE, key: 'user' },
	title: { points: 20, durationSeconds: MINUTE, key: 'user' },
	/** Voice samples in the audio studio (made once per voice, then served from memory). */
	voice_sample: { points: 60, durationSeconds: MINUTE, key: 'user' },
	/** Public reads: per address, since they are open to visitors who are not signed in. */
	catalogue: { points: 60, durationSeconds: MINUTE, key: 'ip' },
	/** Share pages and /api/share/:slug, per address: open to everyone, and each view may write a counter. */
	share_view: { points: 120, durationSeconds: MINUTE, key: 'ip' },
	/** Sound search (the studio's box and /api/sounds/search): signed-in only, each search may call Freesound. */
	sound_search: { points: 30, durationSeconds: MINUTE, key: 'user' },
	/** Freesound imports: each downloads a file into the user's storage. */
	sound_import: { points: 10, durationSeconds: MINUTE, key: 'user' },
	/** Signed provider webhooks: generous per sender, so a forged flood cannot make us verify signatures forever. */
	webhook: { points: 600, durationSeconds: MINUTE, key: 'ip' },
	/** Creating API tokens. */
	api_token: { points: 10, durationSeconds: HOUR, key: 'user' },
	/** Sensitive settings: password change, account deletion, linked sign-ins. */
	account: { points: 10, durationSeconds: 15 * MINUTE, key: 'user' },
	/** Editing an audio project: every form and the editor's autosave (a few a second while dragging, at most). */
	audio_project: { points: 240, durationSeconds: MINUTE, key: 'user' },
	/** Mixdowns started: each renders a project with ffmpeg on the server. */
	mixdown: { points: 10, durationSeconds: MINUTE, key: 'user' },
	/** Library zips: each streams up to a hundred files from storage. */
	archive: { points: 10, durationSeconds: MINUTE, key: 'user' },
	/** Administrators' changes: roles, budgets, disabling accounts, model switches, job retries. */
	admin: { points: 60, durationSeconds: MINUTE, key: 'user' },
	/** Administrators' pages: the user list's count and spend sums, the status page's queue scans. */
	admin_read: { points: 240, durationSeconds: MINUTE, key: 'user' },
	/** Generic authenticated writes: rename, delete, pin, move... */
	write: { points: 120, durationSeconds: MINUTE, key: 'user' },
} as const satisfies Record<string, Policy>

export type PolicyName = keyof typeof POLICIES

export const POLICY_NAMES = Object.keys(POLICIES) as PolicyName[]

export function isPolicyName(name: string): name is PolicyName {
	return Object.hasOwn(POLICIES, name)
}

/**
 * The table with the deployment's overrides applied. An override names a policy that does not exist, or
 * gives no points or no window, stops start-up: a typo in RATE_LIMITS must not silently leave a limit at
 * its default.
 */
export function resolvePolicies(overrides: Config['rateLimitOverrides'] = {}): Record<PolicyName, Policy> {
	const problems: string[] = []
	const table = Object.fromEntries(POLICY_NAMES.map(name => [name, { ...POLICIES[name] } as Policy])) as Record<
		PolicyName,
		Policy
	>
	for (const [name, override] of Object.entries(overrides)) {
		if (!isPolicyName(name)) {
			problems.push(`RATE_LIMITS names an unknown policy "${name}" (known: ${POLICY_NAMES.join(', ')})`)
			continue
		}
		const { points, durationSeconds } = override
		if (!Number.isSafeInteger(points) || points < 1) {
			problems.push(`RATE_LIMITS ${name} must allow at least 1 request (got ${points})`)
		}
		if (!Number.isSafeInteger(durationSeconds) || durationSeconds < 1) {
			problems.push(`RATE_LIMITS ${name} must have a window of at least 1 second (got ${durationSeconds})`)
		}
		table[name] = { ...table[name], points, durationSeconds }
	}
	if (problems.length > 0) throw new ConfigError(problems)
	return table
}
