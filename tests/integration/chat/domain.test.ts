/**
 * The chat domain with everything real but the vendor: the services as production wires them, on PGlite and
 * (with DATABASE_URL) Postgres, the job engine running, the offline provider and the real openai SDK talking
 * to the stub server.
 */
import { beforeAll, describe, expect, test, vi } from 'vitest'
import * as v from 'valibot'
import { ChatExportSchema } from '#server/domain/chat/schema.ts'
import { createChat } from '#server/domain/chat/index.ts'
import type { Chat, ReplyEvent, Thread } from '#server/domain/chat/index.ts'
import type { Refusal } from '#server/domain/refusal.ts'
import { STUB_PNG, startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { createUser, databaseClockPast, testDrivers } from '#tests/support/database.ts'
import { openaiEnv, useTestServices } from '#tests/support/suite-services.ts'
import { firstOf, waitFor } from '#tests/support/wait.ts'

const STUB_MODEL = 'openai:gpt-4o-mini'

function ok<T>(value: T | Refusal): T {
	if (typeof value === 'object' && value !== null && 'refused' in value) throw new Error(`refused: ${value.message}`)
	return value
}

async function collect(events: AsyncIterable<ReplyEvent>): Promise<ReplyEvent[]> {
	const out: ReplyEvent[] = []
	for await (const event of events) out.push(event)
	return out
}

function textOf(events: ReplyEvent[]): string {
	let text = ''
	for (const e of events) {
		if (e.type === 'snapshot') text = e.text
		if (e.type === 'delta') text += e.text
	}
	return text
}

describe.each(testDrivers())('chat domain on %s', driver => {
	const t = useTestServices(driver, {
		stubs: { openai: () => startOpenAIStub({ chunkDelayMs: 5 }) },
		env: stubs => openaiEnv(stubs.openai),
	})
	let chat: Chat

	async function rows(sql: string, params: unknown[] = []) {
		return (await t.services.db.privileged(tx => tx.query<Record<string, unknown>>(sql, params))).rows
	}

	/** Titled, so no title job runs in the background and takes the stub's scripted answers. */
	async function newChat(userId: string, model = 'offline:chat', systemPrompt?: string) {
		return ok(
			await chat.create({ id: userId }, { model, title: 'Test chat', ...(systemPrompt ? { systemPrompt } : {}) }),
		)
	}

	async function thread(userId: string, id: string, options: Parameters<Chat['thread']>[2] = {}): Promise<Thread> {
		return ok(await chat.thread({ id: userId }, id, options))
	}

	beforeAll(() => {
		chat = t.services.chat
	})

	test('a message and its reply: stored as a branch, priced in api_usage, the leaf remembered', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id, STUB_MODEL, 'Answer briefly.')
		const sent = ok(await chat.send(user, conversation.id, { content: 'Hello there' }, { wait: true }))
		const view = await thread(user.id, conversation.id)
		expect(view.messages.map(m => [m.role, m.status, m.content])).toEqual([
			['user', 'complete', 'Hello there'],
			['assistant', 'complete', 'Hello from the stub.'],
		])
		expect(view.leafId).toBe(sent.replyId)
		expect(view.conversation.currentLeafId).toBe(sent.replyId)
		expect(view.messages[1]?.html).toBe('<p>Hello from the stub.</p>\n')
		expect(view.messages[1]).toMatchObject({ inputTokens: 12, outputTokens: 5, siblings: { index: 1, count: 1 } })
		// The request carried the system prompt and the branch.
		const body = t.stubs.openai.requests.at(-1)?.json as { messages: Array<{ role: string; content: string }> }
		expect(body.messages).toEqual([
			{ role: 'system', content: 'Answer briefly.' },
			{ role: 'user', content: 'Hello there' },
		])
		const usage = await rows(
			'select capability, model, input_tokens, output_tokens, cost_micros, message_id from api_usage where user_id = $1',
			[user.id],
		)
		// gpt-4o-mini: 12 × 0.15 + 5 × 0.6 micro-USD, rounded up.
		expect(usage).toEqual([
			{
				capability: 'chat',
				model: STUB_MODEL,
				input_tokens: 12,
				output_tokens: 5,
				cost_micros: 5,
				message_id: sent.replyId,
			},
		])
	})

	test('editing a message makes a sibling branch; the "‹ 1 / 2" link target switches back and is remembered', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id)
		const first = ok(await chat.send(user, conversation.id, { content: 'First version' }, { wait: true }))
		const second = ok(await chat.send(user, conversation.id, { content: 'Follow-up' }, { wait: true }))
		const edited = ok(await chat.edit(user, conversation.id, first.userMessageId, 'Second version', { wait: true }))
		const now = await thread(user.id, conversation.id)
		expect(now.messages.map(m => m.role)).toEqual(['user', 'assistant'])
		expect(now.messages[0]?.content).toBe('Second version')
		expect(now.messages[1]?.content).toContain('You said: “Second version”')
		expect(now.messages[0]?.siblings).toEqual({ index: 2, count: 2, previousId: first.userMessageId, nextId: null })
		expect(now.leafId).toBe(edited.replyId)

		const back = await thread(user.id, conversation.id, { branch: first.userMessageId })
		expect(back.messages.map(m => m.id)).toEqual([
			first.userMessageId,
			first.replyId,
			second.userMessageId,
			second.replyId,
		])
		expect(back.messages[0]?.siblings).toEqual({ index: 1, count: 2, previousId: null, nextId: edited.userMessageId })
		// Remembered: the next plain visit opens the branch chosen last.
		expect((await thread(user.id, conversation.id)).leafId).toBe(second.replyId)
	})

	test('regenerating makes a sibling reply; a failed reply is replaced instead', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id, STUB_MODEL)
		const sent = ok(await chat.send(user, conversation.id, { content: 'Tell me' }, { wait: true }))
		t.stubs.openai.enqueue('chat', { chunks: ['Another', ' answer'] })
		const again = ok(await chat.regenerate(user, conversation.id, sent.replyId, { wait: true }))
		let view = await thread(user.id, conversation.id)
		expect(view.messages[1]).toMatchObject({
			id: again.replyId,
			content: 'Another answer',
			siblings: { index: 2, count: 2, previousId: sent.replyId },
		})

		t.stubs.openai.enqueue('chat', { status: 500 })
		const failed = ok(await chat.regenerate(user, conversation.id, again.replyId, { wait: true }))
		view = await thread(user.id, conversation.id)
		expect(view.messages[1]).toMatchObject({ id: failed.replyId, status: 'error', siblings: { index: 3, count: 3 } })
		const retried = ok(await chat.regenerate(user, conversation.id, failed.replyId, { wait: true }))
		view = await thread(user.id, conversation.id)
		expect(view.messages[1]).toMatchObject({
			id: retried.replyId,
			status: 'complete',
			siblings: { index: 3, count: 3 },
		})
		expect(await rows('select 1 from messages where id = $1', [failed.replyId])).toEqual([])
	})

	test('a 429 leaves a readable error on the reply (nothing billed); an error mid-stream keeps the text so far', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id, STUB_MODEL)
		t.stubs.openai.enqueue('chat', { status: 429, headers: { 'retry-after': '7' } })
		const limited = ok(await chat.send(user, conversation.id, { content: 'Busy?' }, { wait: true }))
		let view = await thread(user.id, conversation.id)
		expect(view.messages[1]).toMatchObject({ id: limited.replyId, status: 'error', content: '' })
		expect(view.messages[1]?.error).toBe(
			'The OpenAI-compatible server is rate limiting requests. Try again in 7 seconds.',
		)
		expect(await rows('select 1 from api_usage where user_id = $1', [user.id])).toEqual([])

		t.stubs.openai.enqueue('chat', {
			chunks: ['Part one', ', part two', ', never'],
			failAfterChunks: 2,
			failWith: 'error-event',
		})
		const broken = ok(await chat.regenerate(user, conversation.id, limited.replyId, { wait: true }))
		view = await thread(user.id, conversation.id)
		expect(view.messages[1]).toMatchObject({ id: broken.replyId, status: 'error', content: 'Part one, part two' })
		expect(view.messages[1]?.error).toMatch(/had a problem answering/)
		// What was written was paid for: an estimate is recorded, marked as such by its source (no usage reported).
		const usage = await rows('select output_tokens, message_id from api_usage where user_id = $1', [user.id])
		expect(usage).toEqual([{ output_tokens: 5, message_id: broken.replyId }])
	})

	test('streaming: followers get the text so far and every delta; stop keeps what was written', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id, STUB_MODEL)
		const chunks = Array.from({ length: 30 }, (_, i) => `w${i} `)
		t.stubs.openai.enqueue('chat', { chunks, chunkDelayMs: 20 })
		const sent = ok(await chat.send(user, conversation.id, { content: 'Stream please' }, { wait: false }))
		const first = ok(await chat.follow(user, conversation.id, sent.replyId, new AbortController().signal))
		const second = ok(await chat.follow(user, conversation.id, undefined, new AbortController().signal))
		const [a, b] = await Promise.all([collect(first), collect(second)])
		expect(textOf(a)).toBe(chunks.join(''))
		expect(textOf(b)).toBe(chunks.join(''))
		expect(a.filter(e => e.type === 'delta').length).toBeGreaterThan(5)
		expect(a.at(-1)).toEqual({ type: 'done', messageId: sent.replyId, status: 'complete', error: null })

		t.stubs.openai.enqueue('chat', { chunks, chunkDelayMs: 30 })
		const next = ok(await chat.send(user, conversation.id, { content: 'And stop' }, { wait: false }))
		const events = ok(await chat.follow(user, conversation.id, next.replyId, new AbortController().signal))
		const seen: ReplyEvent[] = []
		for await (const event of events) {
			seen.push(event)
			if (seen.filter(e => e.type === 'delta').length === 5) {
				expect(ok(await chat.stop(user, conversation.id, next.replyId))).toEqual({ status: 'stopped' })
			}
		}
		const stopped = (await thread(user.id, conversation.id)).messages.at(-1)
		expect(stopped?.status).toBe('stopped')
		expect(stopped?.content).toBe(textOf(seen))
		expect(chunks.join('').startsWith(stopped?.content ?? 'x')).toBe(true)
		expect((stopped?.content ?? '').length).toBeLessThan(chunks.join('').length)
		// The provider call itself was cut: the stub saw its client hang up before the last chunk.
		await vi.waitFor(() => expect(t.stubs.openai.streams.at(-1)?.ending).toBe('client-closed'))
	})

	test('a reply written by another process is followed by polling its row', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id, STUB_MODEL)
		// A second instance has its own registry: to it, the first one's replies are "in another process".
		const elsewhere = createChat({ ...t.services, pollIntervalMs: 50, flushIntervalMs: 50 })
		const writer = createChat({ ...t.services, flushIntervalMs: 50 })
		const chunks = Array.from({ length: 20 }, (_, i) => `p${i} `)
		t.stubs.openai.enqueue('chat', { chunks, chunkDelayMs: 25 })
		const sent = ok(await writer.send(user, conversation.id, { content: 'Poll me' }, { wait: false }))
		const events = await collect(
			ok(await elsewhere.follow(user, conversation.id, sent.replyId, new AbortController().signal)),
		)
		expect(textOf(events)).toBe(chunks.join(''))
		expect(events.filter(e => e.type === 'delta').length).toBeGreaterThan(2)
		expect(events.at(-1)).toMatchObject({ type: 'done', status: 'complete' })
		// And stop works across processes: the writer notices at its next save.
		t.stubs.openai.enqueue('chat', { chunks, chunkDelayMs: 40 })
		const next = ok(await writer.send(user, conversation.id, { content: 'Stop me from afar' }, { wait: false }))
		// Once the reply is being written (its first delta), the other process stops it.
		const watching = new AbortController()
		await firstOf(
			'a delta',
			ok(await writer.follow(user, conversation.id, next.replyId, watching.signal)),
			e => e.type === 'delta',
		)
		watching.abort()
		await elsewhere.stop(user, conversation.id, next.replyId)
		await writer.settled()
		const [row] = await rows('select status, content from messages where id = $1', [next.replyId])
		expect(row?.status).toBe('stopped')
		expect(String(row?.content).length).toBeGreaterThan(0)
		expect(String(row?.content).length).toBeLessThan(chunks.join('').length)
	})

	test('a reply cut off by a crash (no writer, row gone quiet) becomes a retryable error', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id)
		const sent = ok(await chat.send(user, conversation.id, { content: 'Hi' }, { wait: true }))
		await rows(`update messages set status = 'streaming', content = 'half' where id = $1`, [sent.replyId])
		// The update trigger stamps now(); age the row with the trigger off.
		await rows('alter table messages disable trigger messages_set_updated_at')
		await rows(`update messages set updated_at = now() - interval '5 minutes' where id = $1`, [sent.replyId])
		await rows('alter table messages enable trigger messages_set_updated_at')
		const view = await thread(user.id, conversation.id)
		expect(view.messages[1]).toMatchObject({
			status: 'error',
			content: 'half',
			error: 'This reply was interrupted before it finished. Retry it.',
		})
		expect(view.streamingId).toBeNull()
	})

	test('a long branch renders a window; "before" pages back through the history', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id)
		// 120 messages in one statement: a chain, each answering the one before.
		await rows(
			`with recursive chain(n, id, parent) as (
				select 1, gen_random_uuid(), null::uuid
				union all select n + 1, gen_random_uuid(), id from chain where n < 120
			)
			insert into messages (id, conversation_id, user_id, parent_id, role, content, created_at)
			select id, $1, $2, parent, case when n % 2 = 1 then 'user' else 'assistant' end, 'message ' || n,
				now() - (120 - n) * interval '1 second'
			from chain order by n`,
			[conversation.id, user.id],
		)
		const latest = await thread(user.id, conversation.id, { window: 50 })
		expect(latest.messages).toHaveLength(50)
		expect(latest.messages[0]?.content).toBe('message 71')
		expect(latest.messages.at(-1)?.html).toBe('<p>message 120</p>\n')
		expect(latest.earlierBefore).toBe(latest.messages[0]?.id)
		const earlier = await thread(user.id, conversation.id, { window: 50, before: latest.earlierBefore ?? '' })
		expect(earlier.messages.map(m => m.content ?? m.html)[0]).toBe('message 21')
		expect(earlier.showingEarlier).toBe(true)
		const top = await thread(user.id, conversation.id, { window: 50, before: earlier.earlierBefore ?? '' })
		expect(top.messages).toHaveLength(20)
		expect(top.earlierBefore).toBeNull()
		// Sending continues the remembered leaf, whatever window is on screen.
		const sent = ok(await chat.send(user, conversation.id, { content: 'one more' }, { wait: true }))
		const [parent] = await rows('select parent_id from messages where id = $1', [sent.userMessageId])
		expect(parent?.parent_id).toBe(latest.leafId)
	})

	test('the list: pinned first, newest next, paginated, searchable over titles and message bodies', async () => {
		const user = await createUser(t.services.db)
		const titles = ['Sourdough starter', 'Quarterly taxes', 'Trip to Lisbon', 'Garden plans', 'Kayak repair']
		const ids: string[] = []
		for (const title of titles) {
			const conversation = ok(await chat.create(user, { model: 'offline:chat', title }))
			ids.push(conversation.id)
			// PGlite's clock ticks in milliseconds: keep the creation times apart so "newest first" has one answer.
			await databaseClockPast(t.services.db, conversation.createdAt)
		}
		ok(await chat.send(user, ids[3] ?? '', { content: 'Which tomatoes grow well in shade?' }, { wait: true }))
		expect(await chat.setPinned(user, ids[0] ?? '', true)).toBe(true)

		const page1 = await chat.list(user, { limit: 2 })
		expect(page1.items.map(i => i.title)).toEqual(['Sourdough starter', 'Garden plans'])
		const page2 = await chat.list(user, { limit: 2, cursor: page1.nextCursor })
		const page3 = await chat.list(user, { limit: 2, cursor: page2.nextCursor })
		expect([...page2.items, ...page3.items].map(i => i.title)).toEqual([
			'Kayak repair',
			'Trip to Lisbon',
			'Quarterly taxes',
		])
		expect(page3.nextCursor).toBeNull()

		expect((await chat.list(user, { query: 'lisbon' })).items.map(i => i.title)).toEqual(['Trip to Lisbon'])
		const byBody = await chat.list(user, { query: 'tomato' })
		expect(byBody.items.map(i => i.title)).toEqual(['Garden plans'])
		expect(byBody.items[0]?.snippet).toContain('\uE000tomatoes\uE001')
		expect((await chat.list(user, { query: '"quarterly taxes" or kayak' })).items).toHaveLength(2)

		ok(await chat.rename(user, ids[1] ?? '', 'Taxes 2026'))
		expect(await chat.remove(user, ids[2] ?? '')).toBe(true)
		const all = await chat.list(user)
		expect(all.items.map(i => i.title)).toContain('Taxes 2026')
		expect(all.items.map(i => i.title)).not.toContain('Trip to Lisbon')
		expect(await chat.remove(user, ids[2] ?? '')).toMatchObject({ refused: true, status: 404 })
	})

	test('a reply being written is followed only by its owner, in its own chat', async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const conversation = await newChat(owner.id, STUB_MODEL)
		const elsewhere = await newChat(owner.id, STUB_MODEL)
		const chunks = Array.from({ length: 10 }, (_, i) => `p${i} `)
		t.stubs.openai.enqueue('chat', { chunks, chunkDelayMs: 30 })
		const sent = ok(await chat.send(owner, conversation.id, { content: 'Private stream' }, { wait: false }))
		const signal = new AbortController().signal
		expect(await chat.follow(other, conversation.id, sent.replyId, signal)).toMatchObject({
			refused: true,
			status: 404,
		})
		expect(await chat.follow(owner, elsewhere.id, sent.replyId, signal)).toMatchObject({ refused: true, status: 404 })
		const events = await collect(ok(await chat.follow(owner, conversation.id, sent.replyId, signal)))
		expect(textOf(events)).toBe(chunks.join(''))
		expect(events.at(-1)).toMatchObject({ type: 'done', status: 'complete' })
	})

	test('another user can neither see nor touch a chat: every door says not found', async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const conversation = await newChat(owner.id)
		const sent = ok(await chat.send(owner, conversation.id, { content: 'private' }, { wait: true }))
		const signal = new AbortController().signal
		const attempts = [
			chat.get(other, conversation.id),
			chat.thread(other, conversation.id),
			chat.send(other, conversation.id, { content: 'x' }, { wait: true }),
			chat.edit(other, conversation.id, sent.userMessageId, 'x', { wait: true }),
			chat.regenerate(other, conversation.id, sent.replyId, { wait: true }),
			chat.stop(other, conversation.id, sent.replyId),
			chat.follow(other, conversation.id, sent.replyId, signal),
			chat.rename(other, conversation.id, 'mine now'),
			chat.setPinned(other, conversation.id, true),
			chat.remove(other, conversation.id),
			chat.exportConversation(other, conversation.id, 'json'),
			chat.generateTitle(other, conversation.id),
			chat.analyse(other, { attachmentId: sent.userMessageId, question: '' }),
		]
		for (const result of await Promise.all(attempts)) expect(result).toMatchObject({ refused: true, status: 404 })
		expect((await chat.list(other, { query: 'private' })).items).toEqual([])
		expect((await thread(owner.id, conversation.id)).messages).toHaveLength(2)
	})

	test('the monthly budget is checked before the provider is called', async () => {
		const user = await createUser(t.services.db, { monthlyBudgetUsd: 0 })
		const conversation = await newChat(user.id, STUB_MODEL)
		const before = t.stubs.openai.requests.length
		const refused = await chat.send(user, conversation.id, { content: 'Expensive question' }, { wait: true })
		expect(refused).toMatchObject({ refused: true, status: 402, code: 'budget_exceeded' })
		expect(t.stubs.openai.requests.length).toBe(before)
		expect(await rows('select 1 from messages where conversation_id = $1', [conversation.id])).toEqual([])
		// The free offline model still works within a zero budget.
		ok(await chat.update(user, conversation.id, { model: 'offline:chat' }))
		ok(await chat.send(user, conversation.id, { content: 'Free question' }, { wait: true }))
	})

	test('titles: a job names the chat after its first exchange; /api/title renames it on demand', async () => {
		const user = await createUser(t.services.db)
		const conversation = ok(await chat.create(user, { model: 'offline:chat' }))
		expect(conversation.title).toBe('New chat')
		ok(await chat.send(user, conversation.id, { content: 'How do I repot a fern?' }, { wait: true }))
		const title = await waitFor('the title job', async () => {
			const { title } = ok(await chat.get(user, conversation.id))
			return title !== 'New chat' && title
		})
		expect(title).toBe('How do I repot a fern')
		const usage = await rows(`select capability from api_usage where user_id = $1 and capability = 'title'`, [user.id])
		expect(usage).toHaveLength(1)

		const priced = await newChat(user.id, STUB_MODEL)
		ok(await chat.send(user, priced.id, { content: 'Question' }, { wait: true }))
		t.stubs.openai.enqueue('chat', { chunks: ['"Stub', ' Title."'] })
		expect(await chat.generateTitle(user, priced.id)).toEqual({ title: 'Stub Title' })
		expect(ok(await chat.get(user, priced.id)).title).toBe('Stub Title')
		expect(await chat.generateTitle(user, (await newChat(user.id)).id)).toMatchObject({ refused: true, status: 409 })
		// A chat someone named is not renamed: no title job is queued for it (the reply's end is committed once
		// `wait` returns), and the job itself leaves a named chat alone (a rename after the job was queued).
		const named = await newChat(user.id)
		ok(await chat.send(user, named.id, { content: 'Anything' }, { wait: true }))
		const queued = `select 1 from pgboss.job where name = 'chat.title' and data->>'conversationId' = $1`
		expect(await rows(queued, [named.id])).toHaveLength(0)
		await chat.titleJob({
			id: 'run-by-the-test',
			name: 'chat.title',
			data: { conversationId: named.id, userId: user.id },
			retryCount: 0,
			retryLimit: 2,
			isLastAttempt: false,
			markFailed: reason => {
				throw new Error(`the title job failed: ${reason}`)
			},
		})
		expect(ok(await chat.get(user, named.id)).title).toBe('Test chat')
	})

	test('attachments: files are checked by content, stored, shown, and sent to the model', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id, STUB_MODEL)
		const files = [
			{ name: 'pixel.png', type: 'image/png', data: new Uint8Array(STUB_PNG) },
			{ name: 'notes.txt', type: 'text/plain', data: new TextEncoder().encode('The secret word is marmalade.') },
		]
		const sent = ok(await chat.send(user, conversation.id, { content: 'Look at these', files }, { wait: true }))
		const body = t.stubs.openai.requests.at(-1)?.json as { messages: Array<{ role: string; content: unknown }> }
		const last = body.messages.at(-1)
		expect(Array.isArray(last?.content)).toBe(true)
		const parts = last?.content as Array<{ type: string; text?: string; image_url?: { url: string } }>
		expect(parts[0]?.text).toContain('Attached file “notes.txt”:\n```\nThe secret word is marmalade.\n```')
		expect(parts[1]?.image_url?.url).toMatch(/^data:image\/png;base64,/)
		const view = await thread(user.id, conversation.id)
		expect(view.messages[0]?.attachments.map(a => [a.name, a.kind, a.contentType])).toEqual([
			['pixel.png', 'image', 'image/png'],
			['notes.txt', 'document', 'text/plain'],
		])
		expect(view.messages[0]?.attachments[0]?.url).toMatch(/^\/media\/attachments\//)

		// A renamed executable is refused by its bytes, and nothing is left behind.
		const refused = await chat.send(
			user,
			conversation.id,
			{
				content: 'And this',
				files: [
					{ name: 'photo.png', type: 'image/png', data: new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 1, 2, 3, 0xff, 0xfe]) },
				],
			},
			{ wait: true },
		)
		expect(refused).toMatchObject({
			refused: true,
			status: 415,
			fields: { attachments: [expect.stringContaining('photo.png')] },
		})
		expect((await rows('select count(*)::int as n from attachments where user_id = $1', [user.id]))[0]?.n).toBe(2)
		expect(sent.userMessageId).toBe(view.messages[0]?.id)
	})

	test('an image for a model that cannot see is refused before anything is stored or sent', async () => {
		const catalogue = t.services.providers.list()
		const gpt = catalogue.find(m => m.id === STUB_MODEL)
		if (!gpt) throw new Error('no stub model in the catalogue')
		t.services.providers.setCatalogue([
			...catalogue,
			{ ...gpt, id: 'openai:text-only', vendorModel: 'text-only', capabilities: ['chat', 'title'] },
		])
		try {
			const user = await createUser(t.services.db)
			const conversation = await newChat(user.id, 'openai:text-only')
			const before = t.stubs.openai.requests.length
			const refused = await chat.send(
				user,
				conversation.id,
				{ content: 'See this?', files: [{ name: 'pixel.png', type: 'image/png', data: new Uint8Array(STUB_PNG) }] },
				{ wait: true },
			)
			expect(refused).toMatchObject({ refused: true, status: 400, code: 'model_cannot_see' })
			expect(t.stubs.openai.requests.length).toBe(before)
			expect(
				await rows('select 1 from attachments where user_id = $1 union all select 1 from messages where user_id = $1', [
					user.id,
				]),
			).toEqual([])
			// Text still goes through.
			ok(await chat.send(user, conversation.id, { content: 'Text only, then' }, { wait: true }))
		} finally {
			t.services.providers.setCatalogue(catalogue)
		}
	})

	test('analysis: an image and a question give text and a usage row; other files are refused by content', async () => {
		const user = await createUser(t.services.db)
		const answer = ok(
			await chat.analyse(user, {
				image: { name: 'p.png', type: 'image/png', data: new Uint8Array(STUB_PNG) },
				question: 'What is it?',
				model: 'offline:chat',
			}),
		)
		expect(answer.text).toMatch(/^\(Offline demo analysis\) This is a PNG image, 1×1 pixels/)
		expect(await rows(`select capability, model from api_usage where user_id = $1`, [user.id])).toEqual([
			{ capability: 'vision', model: 'offline:chat' },
		])
		const text = await chat.analyse(user, {
			image: { name: 'x.png', type: 'image/png', data: new TextEncoder().encode('not an image') },
			question: '',
		})
		expect(text).toMatchObject({ refused: true, status: 415, code: 'not_an_image' })
		expect(await chat.analyse(user, { question: 'nothing sent' })).toMatchObject({ refused: true, status: 400 })
	})

	test('export as JSON and import again: every branch survives; Markdown holds the branch on screen', async () => {
		const user = await createUser(t.services.db)
		const conversation = await newChat(user.id)
		const first = ok(await chat.send(user, conversation.id, { content: 'Original' }, { wait: true }))
		ok(await chat.edit(user, conversation.id, first.userMessageId, 'Edited', { wait: true }))
		const json = ok(await chat.exportConversation(user, conversation.id, 'json'))
		expect(json.contentType).toBe('application/json; charset=utf-8')
		const data = v.parse(ChatExportSchema, JSON.parse(json.body))
		expect(data.messages).toHaveLength(4)
		const imported = ok(await chat.importConversation(user, data))
		const view = await thread(user.id, imported.id)
		expect(view.messages.map(m => m.content ?? '').map(c => c.slice(0, 8))).toEqual(['Edited', '(Offline'])
		expect(view.messages[0]?.siblings).toMatchObject({ index: 2, count: 2 })
		const markdown = ok(await chat.exportConversation(user, imported.id, 'markdown'))
		expect(markdown.filename).toBe('test-chat.md')
		expect(markdown.body).toContain('## You\n\nEdited\n')
		expect(markdown.body).not.toContain('Original')
	})
})
