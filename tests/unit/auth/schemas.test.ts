import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { SignInSchema, SignUpSchema } from '#app/schemas/auth.ts'
import { DeleteAccountSchema, TokensActionSchema } from '#app/schemas/settings.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '#server/auth/password.ts'
import * as shared from '#app/schemas/auth.ts'
import { fieldsOf } from '#server/request-input.ts'

const form = (fields: Record<string, string>) => {
	const data = new FormData()
	for (const [k, value] of Object.entries(fields)) data.set(k, value)
	return fieldsOf(data)
}

describe('the sign-up and sign-in schemas', () => {
	it('keep the same password bounds as the server', () => {
		expect(shared.PASSWORD_MIN_LENGTH).toBe(PASSWORD_MIN_LENGTH)
		expect(shared.PASSWORD_MAX_LENGTH).toBe(PASSWORD_MAX_LENGTH)
	})

	it('accept a good sign-up and make the redirect safe', () => {
		const parsed = parseWith(
			SignUpSchema,
			form({
				name: ' Ada ',
				email: ' ada@example.test ',
				password: 'ten chars!',
				redirectTo: '//evil.example',
				website: '',
			}),
		)
		expect(parsed).toEqual({
			ok: true,
			value: { name: 'Ada', email: 'ada@example.test', password: 'ten chars!', redirectTo: '/' },
		})
	})

	it('report each bad field by name', () => {
		const parsed = parseWith(SignUpSchema, form({ name: '', email: 'nope', password: 'short' }))
		expect(parsed.ok).toBe(false)
		if (parsed.ok) return
		expect(Object.keys(parsed.fields).sort()).toEqual(['email', 'name', 'password'])
		expect(parsed.fields.password).toEqual([`Use at least ${PASSWORD_MIN_LENGTH} characters.`])
	})

	it('refuse a filled honeypot', () => {
		const parsed = parseWith(SignInSchema, form({ email: 'a@example.test', password: 'whatever', website: 'x' }))
		expect(parsed.ok).toBe(false)
		if (!parsed.ok) expect(Object.keys(parsed.fields)).toEqual(['website'])
	})

	it('do not cut a sign-in password short of the sign-up rules (old accounts keep working)', () => {
		expect(v.safeParse(SignInSchema, { email: 'a@example.test', password: 'short' }).success).toBe(true)
	})
})

describe('the settings schemas', () => {
	it('tell mutations apart by intent', () => {
		expect(parseWith(TokensActionSchema, { intent: 'create', name: ' cli ' })).toEqual({
			ok: true,
			value: { intent: 'create', name: 'cli' },
		})
		expect(parseWith(TokensActionSchema, { intent: 'revoke', tokenId: 'not-a-uuid' }).ok).toBe(false)
		expect(parseWith(TokensActionSchema, { intent: 'explode' })).toMatchObject({
			ok: false,
			fields: { intent: ['Unknown action.'] },
		})
		expect(parseWith(DeleteAccountSchema, { intent: 'delete' })).toMatchObject({
			ok: false,
			fields: { confirmEmail: expect.any(Array) },
		})
	})
})
