import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { SignUpSchema } from '#app/schemas/auth.ts'
import { ChatExportSchema, ConversationActionSchema, importProblem } from '#server/domain/chat/schema.ts'
import { parseWith } from '#app/utils/validation.server.ts'

describe('what a refused form says about a field left blank', () => {
	// Forms leave blank fields out of the input, so a required one arrives missing.
	it("says what the field's own schema says about an empty value, once", () => {
		const parsed = parseWith(SignUpSchema, { email: 'ada@example.com' })
		expect(parsed.ok).toBe(false)
		if (parsed.ok) return
		expect(parsed.fields.name).toEqual(['Enter your name.'])
		expect(parsed.fields.password).toEqual(['Choose a password.'])
		expect(parsed.fields.email).toBeUndefined()
	})

	it('works through a variant told apart by intent', () => {
		const parsed = parseWith(ConversationActionSchema, {
			intent: 'rename',
			conversationId: '3740d2b0-2c58-4330-b776-fee047dadb1d',
		})
		expect(parsed.ok ? null : parsed.fields).toEqual({ title: ['Give the chat a title.'] })
	})

	it("never shows the validator's own words where a schema has its own", () => {
		const parsed = parseWith(v.object({ name: v.pipe(v.string(), v.nonEmpty('Name it.')) }), {})
		expect(parsed.ok ? null : parsed.fields).toEqual({ name: ['Name it.'] })
	})

	it('keeps the original where the schema has nothing better to say (an import explains the shape instead)', () => {
		const parsed = parseWith(ChatExportSchema, { format: 'generation-studio-conversation', version: 1 })
		expect(parsed.ok).toBe(false)
		if (!parsed.ok) expect(parsed.fields.messages?.[0]).toMatch(/^Invalid key/)
	})

	it('leaves missing keys as they are when asked (input that is not a form)', () => {
		const parsed = parseWith(ChatExportSchema, { foo: 1 }, { blankForMissing: false })
		expect(parsed.ok).toBe(false)
		if (parsed.ok) return
		expect(parsed.fields.format?.[0]).toMatch(/^Invalid key/)
		expect(importProblem(Object.values(parsed.fields).flat())).toMatch(/^This file is not a conversation export/)
	})
})
