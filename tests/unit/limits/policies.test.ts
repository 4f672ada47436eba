import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '#server/config.ts'
import { normalizeIp, subjectKey } from '#server/limits/keys.ts'
import { POLICIES, POLICY_NAMES, isPolicyName, resolvePolicies } from '#server/limits/policies.ts'

describe('the policy table', () => {
	it('holds the starting figures', () => {
		expect(POLICIES.global).toEqual({ points: 600, durationSeconds: 60, key: 'ip' })
		expect(POLICIES.signin).toMatchObject({ points: 10, durationSeconds: 900, key: 'ip+email' })
		expect(POLICIES.signin.blockSeconds).toBeGreaterThan(0)
		expect(POLICIES.signup).toEqual({ points: 5, durationSeconds: 3600, key: 'ip' })
		expect(POLICIES.signup_attempt).toEqual({ points: 30, durationSeconds: 3600, key: 'ip' })
		expect(POLICIES.api_token).toEqual({ points: 10, durationSeconds: 3600, key: 'user' })
		expect(POLICIES.account).toEqual({ points: 10, durationSeconds: 900, key: 'user' })
		expect(POLICIES.write).toEqual({ points: 120, durationSeconds: 60, key: 'user' })
		// Library zips: each reads up to a hundred files from storage.
		expect(POLICIES.archive).toEqual({ points: 10, durationSeconds: 60, key: 'user' })
		const perMinute = { chat: 60, generation: 10, analysis: 30, upload: 10, transcription: 20, publish: 10 }
		for (const [name, points] of Object.entries({ ...perMinute, analytics: 30, title: 20 })) {
			expect(POLICIES[name as keyof typeof POLICIES]).toEqual({ points, durationSeconds: 60, key: 'user' })
		}
		expect(POLICIES.catalogue).toEqual({ points: 60, durationSeconds: 60, key: 'ip' })
		// Public share pages and their JSON, per address.
		expect(POLICIES.share_view).toEqual({ points: 120, durationSeconds: 60, key: 'ip' })
		// Signed-in only (each search may call Freesound), counted per account.
		expect(POLICIES.sound_search).toEqual({ points: 30, durationSeconds: 60, key: 'user' })
		// Each import downloads a file into the user's storage.
		expect(POLICIES.sound_import).toEqual({ points: 10, durationSeconds: 60, key: 'user' })
		expect(POLICIES.webhook).toEqual({ points: 600, durationSeconds: 60, key: 'ip' })
		// Credential stuffing: many accounts from one address, each tried once.
		expect(POLICIES.signin_ip).toEqual({ points: 100, durationSeconds: 900, blockSeconds: 900, key: 'ip' })
		expect([...POLICY_NAMES].sort()).toEqual(
			[
				'account',
				'admin',
				'admin_read',
				'analysis',
				'analytics',
				'api_token',
				'archive',
				'audio_project',
				'catalogue',
				'chat',
				'generation',
				'global',
				'mixdown',
				'publish',
				'share_view',
				'signin',
				'signin_ip',
				'signup',
				'signup_attempt',
				'sound_import',
				'sound_search',
				'title',
				'transcription',
				'upload',
				'voice_sample',
				'webhook',
				'write',
			].sort(),
		)
		expect(isPolicyName('chat')).toBe(true)
		expect(isPolicyName('toString')).toBe(false)
	})
})

describe('resolvePolicies', () => {
	it('applies RATE_LIMITS as parsed by the config, keeping key and block', () => {
		const config = loadConfig({ RATE_LIMITS: 'chat=600/60, signin=1000/60' }, [])
		const table = resolvePolicies(config.rateLimitOverrides)
		expect(table.chat).toEqual({ points: 600, durationSeconds: 60, key: 'user' })
		expect(table.signin).toEqual({ ...POLICIES.signin, points: 1000, durationSeconds: 60 })
		expect(table.generation).toEqual(POLICIES.generation)
		// The shared table itself is never changed.
		expect(POLICIES.chat.points).toBe(60)
	})

	it('refuses an unknown policy name and empty figures, listing every problem', () => {
		let error: unknown
		try {
			resolvePolicies({
				chta: { points: 5, durationSeconds: 60 },
				chat: { points: 0, durationSeconds: 60 },
				title: { points: 3, durationSeconds: 0 },
			})
		} catch (e) {
			error = e
		}
		expect(error).toBeInstanceOf(ConfigError)
		const problems = (error as ConfigError).problems
		expect(problems).toHaveLength(3)
		expect(problems[0]).toMatch(/unknown policy "chta"/)
		expect(problems[1]).toMatch(/chat must allow at least 1 request/)
		expect(problems[2]).toMatch(/title must have a window of at least 1 second/)
	})
})

describe('subject keys', () => {
	it('normalizes addresses', () => {
		expect(normalizeIp('203.0.113.7')).toBe('203.0.113.7')
		expect(normalizeIp('::ffff:203.0.113.7')).toBe('203.0.113.7')
		expect(normalizeIp(' ')).toBe('unknown')
		// One /64 is one subscriber: every address in it shares a bucket.
		expect(normalizeIp('2001:db8:abcd:12::1')).toBe('2001:db8:abcd:12::/64')
		expect(normalizeIp('2001:0db8:abcd:0012:ffff:1:2:3')).toBe('2001:db8:abcd:12::/64')
		expect(normalizeIp('2001:db8::1')).toBe('2001:db8:0:0::/64')
		expect(normalizeIp('::1')).toBe('0:0:0:0::/64')
		expect(normalizeIp('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
		expect(normalizeIp('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64')
	})

	it('keys each policy kind by the right parts', () => {
		const subject = { ip: '198.51.100.4', userId: 'u1', email: 'Ada@Example.com ' }
		expect(subjectKey('ip', subject)).toBe('ip:198.51.100.4')
		expect(subjectKey('user', subject)).toBe('u:u1')
		expect(subjectKey('user+ip', subject)).toBe('u:u1|ip:198.51.100.4')
		const byEmail = subjectKey('ip+email', subject)
		expect(byEmail).toMatch(/^ip:198\.51\.100\.4\|e:[0-9a-f]{32}$/)
		// Emails compare case-insensitively and never reach the store in clear.
		expect(subjectKey('ip+email', { ...subject, email: 'ada@example.com' })).toBe(byEmail)
		expect(subjectKey('ip+email', { ...subject, email: 'bob@example.com' })).not.toBe(byEmail)
		expect(byEmail).not.toContain('example')
	})

	it('counts an anonymous caller of a per-user policy by address, apart from any user', () => {
		expect(subjectKey('user', { ip: '198.51.100.4' })).toBe('ip:198.51.100.4')
		expect(subjectKey('user', { ip: '198.51.100.4', userId: null })).toBe('ip:198.51.100.4')
		expect(subjectKey('user', { ip: '198.51.100.4', userId: 'ip:198.51.100.4' })).not.toBe('ip:198.51.100.4')
	})
})
