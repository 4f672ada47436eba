import { describe, expect, it } from 'vitest'
import { hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from '#server/auth/password.ts'

describe('password hashing', () => {
	it('verifies the right password and refuses a wrong one', async () => {
		const hash = await hashPassword('correct horse battery staple')
		expect(await verifyPassword('correct horse battery staple', hash)).toBe(true)
		expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false)
		expect(await verifyPassword('', hash)).toBe(false)
	})

	it('salts every hash', async () => {
		const [a, b] = await Promise.all([hashPassword('same password twice'), hashPassword('same password twice')])
		expect(a).not.toBe(b)
	})

	it('treats the same text in another Unicode form as the same password', async () => {
		const composed = 'caf\u00e9 au lait, s\u2019il vous pla\u00eet'
		const decomposed = composed.normalize('NFD')
		expect(decomposed).not.toBe(composed)
		expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true)
	})

	it(`refuses to hash a password shorter than ${PASSWORD_MIN_LENGTH} characters`, async () => {
		await expect(hashPassword('x'.repeat(PASSWORD_MIN_LENGTH - 1))).rejects.toThrow(RangeError)
		await expect(hashPassword('x'.repeat(PASSWORD_MIN_LENGTH))).resolves.toMatch(/^scrypt\$/)
	})

	it('never matches (and never throws on) a malformed or hostile stored hash', async () => {
		const good = await hashPassword('correct horse battery staple')
		const [, n, r, p, salt, key] = good.split('$')
		for (const stored of [
			'',
			'plaintext',
			`bcrypt$${n}$${r}$${p}$${salt}$${key}`,
			`scrypt$${n}$${r}$${p}$${salt}`,
			`scrypt$${n}$${r}$${p}$${salt}$${key?.slice(0, 20)}`,
			`scrypt$0$${r}$${p}$${salt}$${key}`,
			// Parameters that would take minutes or gigabytes are refused, not computed.
			`scrypt$1073741824$${r}$${p}$${salt}$${key}`,
			`scrypt$${n}$1000$${p}$${salt}$${key}`,
		]) {
			expect(await verifyPassword('correct horse battery staple', stored), stored).toBe(false)
		}
	})
})
