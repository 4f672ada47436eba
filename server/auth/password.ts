/**
 * Password hashing with scrypt (node:crypto): memory-hard, no native dependency, and its parameters travel
 * with each hash (`scrypt$N$r$p$salt$hash`), so they can be raised later without invalidating old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

export const PASSWORD_MIN_LENGTH = 10
/** Long enough for any passphrase or manager-generated secret; short enough that hashing stays cheap. */
export const PASSWORD_MAX_LENGTH = 1000

// N = 2^15, r = 8 (128 * N * r = 32 MiB per hash): OWASP's scrypt baseline, about 50 ms on a server core.
const PARAMS = { N: 32_768, r: 8, p: 1 }
const KEY_LENGTH = 64
const SALT_LENGTH = 16

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		scrypt(
			password.normalize('NFKC'),
			salt,
			KEY_LENGTH,
			{ ...params, maxmem: 256 * params.N * params.r },
			(error, key) => (error ? reject(error) : resolve(key)),
		)
	})
}

export async function hashPassword(password: string): Promise<string> {
	if (password.length < PASSWORD_MIN_LENGTH) {
		throw new RangeError(`A password needs at least ${PASSWORD_MIN_LENGTH} characters`)
	}
	const salt = randomBytes(SALT_LENGTH)
	const key = await derive(password, salt, PARAMS)
	return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$')
}

/** Compares in constant time. A malformed stored hash never matches (and never throws). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const parts = stored.split('$')
	if (parts.length !== 6 || parts[0] !== 'scrypt') return false
	const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
	// Bounded so that even a tampered row cannot make one check take minutes or gigabytes (here at most 256 MiB).
	if (![N, r, p].every(n => Number.isSafeInteger(n) && n > 0) || 128 * N * r > 256 * 1024 * 1024 || p > 16) return false
	const salt = Buffer.from(parts[4] ?? '', 'base64')
	const expected = Buffer.from(parts[5] ?? '', 'base64')
	if (salt.length === 0 || expected.length !== KEY_LENGTH) return false
	if (password.length > PASSWORD_MAX_LENGTH) return false
	const actual = await derive(password, salt, { N, r, p })
	return timingSafeEqual(actual, expected)
}

/**
 * A hash of a random password, checked against when an e-mail has no account (or no password), so a
 * wrong e-mail costs the same time as a wrong password and response times do not reveal who has an account.
 */
export async function decoyHash(): Promise<string> {
	return hashPassword(randomBytes(24).toString('base64'))
}
