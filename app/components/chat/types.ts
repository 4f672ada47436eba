/** Chat data as pages receive it from their loaders (JSON: dates arrive as strings). */
import type { ConversationSummary, MessageView, Thread } from '#server/domain/chat/index.ts'

type Jsonified<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] }

export type MessageData = Jsonified<Omit<MessageView, 'content'>> & { content: string | null }
export type ConversationItem = Jsonified<ConversationSummary>
export type ConversationData = Jsonified<Thread['conversation']>
export type ModelOption = { id: string; name: string; vision: boolean }

export function formatCost(micros: number): string {
	const dollars = micros / 1_000_000
	return dollars > 0 && dollars < 0.01 ? `$${dollars.toFixed(4)}` : `$${dollars.toFixed(2)}`
}
