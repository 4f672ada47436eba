import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { LimitResult, LimitsHealth } from '#server/limits/index.ts'
import { backendCases, useLimitsFactory } from './backends.ts'

const run = promisify(execFile)
const childScript = fileURLToPath(new URL('./consume-child.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

describe.each(backendCases({ memory: false }))('one limit across processes on $label', backendCase => {
	const factory = useLimitsFactory(backendCase)

	it('two Limits instances on separate connections share the count', async () => {
		const overrides = { publish: { points: 3, durationSeconds: 60 } }
		const first = await factory.open(overrides)
		const second = await factory.open(overrides)
		const user = { ip: '203.0.113.1', userId: 'shared-user' }

		expect(await first.consume('publish', user)).toMatchObject({ allowed: true, remaining: 2, backend: 'redis' })
		expect(await second.consume('publish', user)).toMatchObject({ allowed: true, remaining: 1, backend: 'redis' })
		expect(await first.consume('publish', user)).toMatchObject({ allowed: true, remaining: 0 })
		expect((await second.consume('publish', user)).allowed).toBe(false)
		expect((await first.consume('publish', user)).allowed).toBe(false)

		// A reset in one process is seen by the other.
		await second.reset('publish', user)
		expect(await first.consume('publish', user)).toMatchObject({ allowed: true, remaining: 2 })
	})

	it('a child process consuming from the same Redis uses up the same bucket', async () => {
		const overrides = { generation: { points: 5, durationSeconds: 60 } }
		const parent = await factory.open(overrides)
		const user = { ip: '203.0.113.1', userId: 'cross-process' }

		await parent.consume('generation', user)
		await parent.consume('generation', user)

		const url = backendCase.url()
		if (!url) throw new Error('a Redis case has a URL')
		const { stdout } = await run(
			process.execPath,
			[
				'--import',
				'tsx',
				childScript,
				url,
				factory.prefix,
				'generation',
				'4',
				JSON.stringify(overrides),
				JSON.stringify(user),
			],
			{ cwd: repoRoot, timeout: 30_000 },
		)
		const child = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
			pid: number
			health: LimitsHealth
			results: LimitResult[]
		}
		expect(child.pid).not.toBe(process.pid)
		expect(child.health).toEqual({ ok: true, backend: 'redis' })
		expect(child.results.map(r => [r.allowed, r.remaining, r.backend])).toEqual([
			[true, 2, 'redis'],
			[true, 1, 'redis'],
			[true, 0, 'redis'],
			[false, 0, 'redis'],
		])

		const next = await parent.consume('generation', user)
		expect(next.allowed).toBe(false)
		expect(next.retryAfterSeconds).toBeGreaterThan(0)
	})
})
