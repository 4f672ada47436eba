import { describe, expect, test } from 'vitest'
import { createLiveReplies, eventsOf } from '#server/domain/chat/live.ts'
import type { ReplyEvent } from '#server/domain/chat/live.ts'
import { waitFor } from '#tests/support/wait.ts'

/** Every event of the stream, once it ends; `out` shows them as they come. */
async function collect(events: AsyncIterable<ReplyEvent>, out: ReplyEvent[] = []): Promise<ReplyEvent[]> {
	for await (const event of events) out.push(event)
	return out
}

describe('the in-process registry of replies being written', () => {
	test('a follower that attaches late gets the text so far, then every delta, then the end', async () => {
		const live = createLiveReplies()
		const reply = live.open('m1')
		reply.push('Hel')
		const followed = collect(eventsOf(listener => reply.subscribe(listener), new AbortController().signal))
		reply.push('lo')
		reply.push(' world')
		reply.finish('complete', null)
		expect(await followed).toEqual([
			{ type: 'snapshot', messageId: 'm1', text: 'Hel' },
			{ type: 'delta', text: 'lo' },
			{ type: 'delta', text: ' world' },
			{ type: 'done', messageId: 'm1', status: 'complete', error: null },
		])
	})

	test('two followers see the same stream; one leaving does not disturb the other', async () => {
		const reply = createLiveReplies().open('m2')
		const leaving = new AbortController()
		const seenByA: ReplyEvent[] = []
		const a = collect(
			eventsOf(l => reply.subscribe(l), leaving.signal),
			seenByA,
		)
		const b = collect(eventsOf(l => reply.subscribe(l), new AbortController().signal))
		reply.push('x')
		await waitFor('the leaving follower to see the delta', () => seenByA.some(e => e.type === 'delta'))
		leaving.abort()
		reply.push('y')
		reply.finish('stopped', null)
		expect((await a).map(e => e.type)).toEqual(['snapshot', 'delta'])
		expect(await b).toEqual([
			{ type: 'snapshot', messageId: 'm2', text: '' },
			{ type: 'delta', text: 'x' },
			{ type: 'delta', text: 'y' },
			{ type: 'done', messageId: 'm2', status: 'stopped', error: null },
		])
	})

	test('after the end, a subscriber gets the whole text and the end at once', async () => {
		const live = createLiveReplies()
		const reply = live.open('m3')
		reply.push('all of it')
		reply.finish('error', 'boom')
		expect(await collect(eventsOf(l => reply.subscribe(l), new AbortController().signal))).toEqual([
			{ type: 'snapshot', messageId: 'm3', text: 'all of it' },
			{ type: 'done', messageId: 'm3', status: 'error', error: 'boom' },
		])
	})

	test('abort records why and fires the signal once; close forgets the reply', () => {
		const live = createLiveReplies()
		const reply = live.open('m4')
		reply.abort('stopped')
		reply.abort('shutdown')
		expect(reply.signal.aborted).toBe(true)
		expect(reply.reason).toBe('stopped')
		expect(live.get('m4')).toBe(reply)
		live.close(reply)
		expect(live.get('m4')).toBeUndefined()
	})
})
