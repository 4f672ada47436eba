/**
 * Chat data as pages receive it from their loaders. Loaders return plain objects and single fetch keeps their
 * types on the way (dates arrive as Dates), so these are the domain's own types.
 */
import type { ConversationSummary, MessageView, Thread } from '#server/domain/chat/index.ts'

export type MessageData = Omit<MessageView, 'content'> & { content: string | null }
export type ConversationItem = ConversationSummary
export type ConversationData = Thread['conversation']
export type ModelOption = { id: string; name: string; vision: boolean }

export function formatCost(micros: number): string {
	const dollars = micros / 1_000_000
	return dollars > 0 && dollars < 0.01 ? `$${dollars.toFixed(4)}` : `$${dollars.toFixed(2)}`
}
