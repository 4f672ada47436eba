import type { ChatResult, ChatStream } from './types.ts'

/**
 * Turns a generator that yields text deltas and returns the final result into a `ChatStream`. `for await`
 * drops a generator's return value, so the iterator is written out to keep it.
 */
export function createChatStream(run: () => AsyncGenerator<string, ChatResult, undefined>): ChatStream {
	let result: ChatResult | null = null
	let started = false
	return {
		get result() {
			return result
		},
		[Symbol.asyncIterator](): AsyncIterator<string> {
			if (started) throw new Error('A chat stream can only be read once')
			started = true
			const generator = run()
			return {
				async next() {
					const step = await generator.next()
					if (step.done) {
						result = step.value
						return { done: true, value: undefined }
					}
					return step
				},
				async return() {
					// Stops the provider request (the generator's `finally` aborts it).
					await generator.return({ text: '', usage: { unit: 'tokens' }, finishReason: 'other' })
					return { done: true, value: undefined }
				},
			}
		},
	}
}
