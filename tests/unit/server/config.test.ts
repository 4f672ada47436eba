import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '#server/config.ts'
import { checkStartup } from '#server/startup.ts'

function problemsOf(env: Record<string, string>) {
	try {
		loadConfig(env, [])
	} catch (error) {
		if (error instanceof ConfigError) return error.problems
		throw error
	}
	return []
}

describe('loadConfig', () => {
	test('starts with nothing configured, on embedded defaults', () => {
		const config = loadConfig({}, [])
		expect(config).toMatchObject({
			env: 'development',
			port: 3000,
			dataDir: './data',
			databaseUrl: null,
			redisUrl: null,
			supabase: null,
			openai: null,
			replicate: null,
			github: null,
			google: null,
			role: 'all',
		})
		// None configured: the services keep a random one in DATA_DIR (server/auth/dev-secret.ts), never a fixed one.
		expect(config.sessionSecrets).toEqual([])
		expect(config.host).toBe('127.0.0.1')
	})

	test('lists every problem at once, in plain words', () => {
		const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', TRUST_PROXY: 'maybe' })
		expect(problems).toHaveLength(4)
		expect(problems.join('\n')).toMatch(/PORT must be a number/)
		expect(problems.join('\n')).toMatch(/DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//)
		expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/)
		expect(problems.join('\n')).toMatch(/TRUST_PROXY must be/)
	})

	test('production requires SESSION_SECRET and PUBLIC_URL', () => {
		const problems = problemsOf({ NODE_ENV: 'production' })
		expect(problems.some(p => p.startsWith('SESSION_SECRET is required'))).toBe(true)
		expect(problems.some(p => p.startsWith('PUBLIC_URL is required'))).toBe(true)
		expect(problemsOf({ NODE_ENV: 'production', SESSION_SECRET: 'short', PUBLIC_URL: 'https://a.example' })).toEqual([
			'SESSION_SECRET must be at least 32 characters long in production',
		])
		const config = loadConfig(
			{
				NODE_ENV: 'production',
				SESSION_SECRET: `${'a'.repeat(32)},${'b'.repeat(32)}`,
				PUBLIC_URL: 'https://a.example',
			},
			[],
		)
		expect(config.sessionSecrets).toEqual(['a'.repeat(32), 'b'.repeat(32)])
		expect(config.publicUrl?.origin).toBe('https://a.example')
	})

	test('half-configured pairs are named; secrets and URL passwords are never echoed', () => {
		expect(problemsOf({ GITHUB_CLIENT_ID: 'abc' })).toEqual([
			'GITHUB_CLIENT_SECRET must be set when GITHUB_CLIENT_ID is set',
		])
		const problems = problemsOf({ REDIS_URL: 'http://user:hunter2@cache:6379', NODE_ENV: 'staging' }).join('\n')
		expect(problems).not.toContain('hunter2')
		expect(problems).toContain('NODE_ENV must be development, production or test')
	})

	test('switches on services from the environment and the role from the command line', () => {
		const config = loadConfig(
			{
				DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/app',
				REDIS_URL: 'redis://127.0.0.1:6379',
				OPENAI_API_KEY: 'sk-test',
				OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
				RATE_LIMITS: 'chat=600/60, generation=100/60',
				TRUST_PROXY: '1',
			},
			['--role=worker'],
		)
		expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/app')
		expect(config.openai).toEqual({ apiKey: 'sk-test', baseUrl: 'http://127.0.0.1:11434/v1' })
		expect(config.rateLimitOverrides).toEqual({
			chat: { points: 600, durationSeconds: 60 },
			generation: { points: 100, durationSeconds: 60 },
		})
		expect(config.trustProxy).toBe(1)
		expect(config.role).toBe('worker')
		expect(problemsOf({ RATE_LIMITS: 'chat=lots' })[0]).toMatch(/^RATE_LIMITS must look like/)
	})

	test('a value that is not a number is named as typed, not as what parsing made of it', () => {
		expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT must be a number (got "abc")'])
	})
})

describe('start-up checks', () => {
	test('every mistake is reported in one go: values, production rules, --role, rate-limit names, DATA_DIR', () => {
		let problems: string[] = []
		try {
			checkStartup(
				{
					NODE_ENV: 'production',
					PORT: 'abc',
					LOG_LEVEL: 'loud',
					RATE_LIMITS: 'chatt=5/60,generation=0/60',
					DATA_DIR: '/sys/generation-studio-data',
					WEBHOOK_DEV_BYPASS: 'true',
				},
				['--role=cook'],
			)
		} catch (error) {
			if (!(error instanceof ConfigError)) throw error
			problems = error.problems
		}
		expect(problems).toEqual([
			'PORT must be a number (got "abc")',
			'LOG_LEVEL must be one of error, warn, info, http, debug (got "loud")',
			'--role must be all, web or worker (got "cook")',
			'SESSION_SECRET is required in production (a long random string; comma-separate to rotate)',
			'PUBLIC_URL is required in production (e.g. https://studio.example.com)',
			'WEBHOOK_DEV_BYPASS must not be true in production',
			expect.stringMatching(/^RATE_LIMITS names an unknown policy "chatt" \(known: global, signin, /),
			'RATE_LIMITS generation must allow at least 1 request (got 0)',
			'DATA_DIR "/sys/generation-studio-data" (/sys/generation-studio-data) is not writable by this process: it holds the embedded database and media files; give the user running the server write access to it, or set DATA_DIR to a directory it can write',
		])
	})
})
