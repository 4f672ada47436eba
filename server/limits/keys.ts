/**
 * Turns who is asking into a bucket key. Emails are hashed so the store never holds addresses; IPv6
 * callers are counted by their /64, because one subscriber is routinely handed a whole /64 and could
 * otherwise rotate through 2^64 fresh buckets.
 */
import { createHash } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import ipaddr from 'ipaddr.js'
import type { PolicyKey } from './policies.ts'

export type Subject = {
	/** The client address as Express sees it (`req.ip`, which honours TRUST_PROXY). */
	ip: string
	userId?: string | null
	/** The email typed into a sign-in form; compared case-insensitively. */
	email?: string | null
}

export function normalizeIp(raw: string): string {
	const ip = raw.trim().replace(/%.*$/, '')
	if (ip === '') return 'unknown'
	if (isIPv4(ip)) return ip
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
	if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1]
	if (isIPv6(ip))
		return `${ipaddr.IPv6.parse(ip)
			.parts.slice(0, 4)
			.map(group => group.toString(16))
			.join(':')}::/64`
	// Not an address (a proxy sent something odd): still a stable, bounded key.
	return ip.slice(0, 64)
}

function hashEmail(email: string): string {
	return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)
}

/**
 * The bucket for a subject under a policy. A per-user policy called without a user (a public page reached
 * anonymously) counts the caller's address instead, in a bucket that cannot collide with a user id.
 */
export function subjectKey(key: PolicyKey, subject: Subject): string {
	const ip = `ip:${normalizeIp(subject.ip)}`
	const user = subject.userId ? `u:${subject.userId}` : null
	switch (key) {
		case 'ip':
			return ip
		case 'user':
			return user ?? ip
		case 'user+ip':
			return user ? `${user}|${ip}` : ip
		case 'ip+email':
			return `${ip}|e:${subject.email?.trim() ? hashEmail(subject.email) : '-'}`
	}
}
