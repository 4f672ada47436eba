/**
 * Limits count what costs: on the services as production wires them (PGlite, and Postgres with DATABASE_URL),
 * only a generation that reaches the queue counts against the `generation` policy. A request refused for its
 * model, a replay of an idempotent request and a budget refusal give their point back; the one past the limit is
 * refused with a message that says how long to wait.
 */
import { describe, expect, test } from 'vitest'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { imageRequest, type ImageRequest } from '#tests/support/generations.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

const image = (prompt: string, extra: Partial<ImageRequest> = {}) => imageRequest(prompt, { size: '512x512', ...extra })

describe.each(testDrivers())('limit accounting on %s', driver => {
	const t = useTestServices(driver, { env: { RATE_LIMITS: 'generation=2/60' }, workers: false })

	test('refused and replayed requests leave the generation limit as it was', async () => {
		const { generations } = t.services
		const user = await createUser(t.services.db)
		for (let i = 0; i < 5; i++) {
			expect(await generations.create(user, image('x', { model: 'offline:nonexistent' }))).toMatchObject({
				refused: true,
				status: 400,
			})
		}
		const first = await generations.create(user, image('first'), { idempotencyKey: 'form-key-0001' })
		expect('generation' in first && first.replayed).toBe(false)
		for (let i = 0; i < 3; i++) {
			const replay = await generations.create(user, image('first'), { idempotencyKey: 'form-key-0001' })
			expect('generation' in replay && replay.replayed).toBe(true)
		}
		expect(await generations.create(user, image('second'))).toHaveProperty('generation')
		const refused = await generations.create(user, image('third'))
		expect(refused).toMatchObject({ refused: true, status: 429, code: 'rate_limited' })
		if (!('refused' in refused)) throw new Error('a third generation was queued')
		expect(refused.message).toMatch(
			/^Too many generations started\. Please try again in (about )?\d+ (second|minute)s?\.$/,
		)
		expect(Number(refused.headers?.['Retry-After'])).toBeGreaterThan(0)
		// Per user: someone else still has their own.
		expect(await generations.create(await createUser(t.services.db), image('theirs'))).toHaveProperty('generation')
	})
})
