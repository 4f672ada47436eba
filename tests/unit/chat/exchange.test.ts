import { describe, expect, test } from 'vitest'
import * as v from 'valibot'
import { ChatExportSchema } from '#server/domain/chat/schema.ts'
import type { ChatExport } from '#server/domain/chat/schema.ts'
import { exportFilename, planImport, toExportJson, toExportMarkdown } from '#server/domain/chat/exchange.ts'
import type { Conversation, Message } from '#server/domain/chat/store.ts'

const conversation: Conversation = {
	id: 'c1',
	userId: 'u1',
	title: 'Trip: Lisbon & Porto!',
	model: 'offline:chat',
	systemPrompt: 'Be brief.',
	pinned: false,
	currentLeafId: 'm2',
	createdAt: new Date('2026-01-01T10:00:00Z'),
	updatedAt: new Date('2026-01-01T10:05:00Z'),
}

function message(
	id: string,
	parentId: string | null,
	role: Message['role'],
	content: string,
	extra: Partial<Message> = {},
): Message {
	return {
		id,
		conversationId: 'c1',
		userId: 'u1',
		parentId,
		role,
		content,
		model: role === 'assistant' ? 'offline:chat' : null,
		status: 'complete',
		error: null,
		inputTokens: null,
		outputTokens: null,
		costMicros: 0,
		createdAt: new Date('2026-01-01T10:00:00Z'),
		updatedAt: new Date('2026-01-01T10:00:00Z'),
		...extra,
	}
}

const ids = () => {
	let n = 0
	return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
}

describe('conversation export and import', () => {
	test('the JSON export validates against the import schema and round-trips every branch', () => {
		const messages = [
			message('m1', null, 'user', 'Hi'),
			message('m2', 'm1', 'assistant', 'Hello', { status: 'stopped' }),
			message('m3', null, 'user', 'Hi again', { createdAt: new Date('2026-01-01T10:01:00Z') }),
		]
		const json = toExportJson(conversation, messages, new Date('2026-02-01T00:00:00Z'))
		const parsed = v.parse(ChatExportSchema, JSON.parse(JSON.stringify(json)))
		const plan = planImport(parsed, ids(), new Date('2026-03-01T00:00:00Z'))
		if (typeof plan === 'string') throw new Error(plan)
		expect(plan.rows.map(r => r.parent_id)).toEqual([null, plan.rows[0]?.id, null])
		expect(plan.rows.map(r => r.status)).toEqual(['complete', 'stopped', 'complete'])
		expect(plan.currentLeafId).toBe(plan.rows[1]?.id)
		expect(plan.rows[2]?.created_at).toBe('2026-01-01T10:01:00.000Z')
	})

	test('children listed before their parents are reordered; a missing parent, a circle or a repeated id is refused', () => {
		const base: ChatExport = {
			format: 'generation-studio-conversation',
			version: 1,
			conversation: { title: 't' },
			messages: [],
		}
		const plan = planImport(
			{
				...base,
				messages: [
					{ id: 'b', parentId: 'a', role: 'assistant', content: 'reply' },
					{ id: 'a', role: 'user', content: 'question' },
				],
			},
			ids(),
		)
		if (typeof plan === 'string') throw new Error(plan)
		expect(plan.rows.map(r => r.content)).toEqual(['question', 'reply'])
		expect(plan.rows[1]?.parent_id).toBe(plan.rows[0]?.id)
		expect(planImport({ ...base, messages: [{ id: 'a', parentId: 'zz', role: 'user', content: 'x' }] }, ids())).toMatch(
			/not in the file/,
		)
		expect(
			planImport(
				{
					...base,
					messages: [
						{ id: 'a', parentId: 'b', role: 'user', content: 'x' },
						{ id: 'b', parentId: 'a', role: 'user', content: 'y' },
					],
				},
				ids(),
			),
		).toMatch(/circle/)
		expect(
			planImport(
				{
					...base,
					messages: [
						{ id: 'a', role: 'user', content: 'x' },
						{ id: 'a', role: 'user', content: 'y' },
					],
				},
				ids(),
			),
		).toMatch(/repeats the id/)
	})

	test('a reply exported mid-stream imports as stopped; times never go backwards or into the future', () => {
		const now = new Date('2026-03-01T00:00:00Z')
		const plan = planImport(
			{
				format: 'generation-studio-conversation',
				version: 1,
				conversation: { title: 't' },
				messages: [
					{ id: 'a', role: 'user', content: 'x', createdAt: '2030-01-01T00:00:00.000Z' },
					{
						id: 'b',
						parentId: 'a',
						role: 'assistant',
						content: 'part',
						status: 'streaming',
						createdAt: '2020-01-01T00:00:00.000Z',
					},
				],
			},
			ids(),
			now,
		)
		if (typeof plan === 'string') throw new Error(plan)
		expect(plan.rows[1]?.status).toBe('stopped')
		expect(plan.rows.map(r => r.created_at)).toEqual([now.toISOString(), new Date(now.getTime() + 1).toISOString()])
	})

	test('the Markdown export reads as a transcript of the branch', () => {
		const text = toExportMarkdown(
			conversation,
			[
				{
					...message('m1', null, 'user', 'What is **2+2**?'),
					attachments: [{ name: 'sum.png', contentType: 'image/png', size: 10 }],
				},
				message('m2', 'm1', 'assistant', '4', { status: 'error', error: 'Cut\noff' }),
			],
			new Date('2026-02-01T12:30:00Z'),
		)
		expect(text).toBe(
			[
				'# Trip: Lisbon & Porto!',
				'',
				'_Exported 2026-02-01 12:30 UTC · model offline:chat_',
				'',
				'## System prompt',
				'',
				'Be brief.',
				'',
				'## You',
				'',
				'What is **2+2**?',
				'',
				'- Attachment: sum.png (image/png)',
				'',
				'## Assistant · offline:chat (failed)',
				'',
				'4',
				'',
				'> Cut off',
				'',
			].join('\n'),
		)
	})

	test('file names come from the title', () => {
		expect(exportFilename('Trip: Lisbon & Porto!', 'md')).toBe('trip-lisbon-porto.md')
		expect(exportFilename('   ', 'json')).toBe('conversation.json')
		expect(exportFilename('Café ünïcode', 'json')).toBe('cafe-unicode.json')
	})
})
