import { describe, expect, it } from 'vitest'
import { ChatExportSchema, IMPORT_EXPECTED, importProblem } from '#server/domain/chat/schema.ts'
import { parseWith } from '#app/utils/validation.server.ts'

function problemOf(data: unknown): string {
	const parsed = parseWith(ChatExportSchema, data, { blankForMissing: false })
	if (parsed.ok) throw new Error('the file was accepted')
	return importProblem([...parsed.formErrors, ...Object.values(parsed.fields).flat()])
}

describe('what an import of the wrong shape says', () => {
	it('describes the expected file in words when the shape is not ours at all', () => {
		for (const data of [[], { foo: 1 }, 'text', { format: 'generation-studio-conversation', version: 1 }]) {
			const problem = problemOf(data)
			expect(problem).toBe(IMPORT_EXPECTED)
			expect(problem).not.toMatch(/Invalid|Expected \w+ but received/)
		}
	})

	it('keeps our own sentence when the file says what it is', () => {
		expect(problemOf({ format: 'something-else', version: 1, conversation: { title: 't' }, messages: [] })).toBe(
			'This is not a Generation Studio conversation export.',
		)
		expect(
			problemOf({
				format: 'generation-studio-conversation',
				version: 1,
				conversation: { title: 't' },
				messages: [{ id: 'a', role: 'robot', content: 'hi' }],
			}),
		).toBe('A message role must be user, assistant or system.')
	})
})
