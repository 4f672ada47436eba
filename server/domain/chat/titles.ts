/**
 * Chat titles through the `title` capability: a `chat.title` job names a chat after its first exchange (unless
 * someone named it meanwhile), and `POST /api/title` asks for a new one at once. Both check the budget first and
 * record the call in `api_usage`.
 */
import * as v from 'valibot'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import type { Job } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import type { ModelInfo } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { UuidSchema } from '#server/uuid.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { checkBudget, recordUsage } from '../usage/index.ts'
import { DEFAULT_TITLE, loadConversation, type Conversation } from './store.ts'
import type { Actor } from '../actor.ts'
import { resolveModel } from '../models/resolve.ts'
import { providerRefusal } from '../provider-failures.ts'
import { estimateMicros } from './support.ts'

/** The data of a `chat.title` job: enqueued against this schema, read back through it. */
export const TitleDataSchema = v.looseObject({ conversationId: UuidSchema, userId: UuidSchema })
export type TitleData = v.InferOutput<typeof TitleDataSchema>

export function createTitles(deps: { config: Pick<Config, 'monthlyBudgetUsd'>; db: Db; providers: ProviderRegistry }) {
	const { db, providers } = deps

	function titleModel(conversation: Conversation): ModelInfo | Refusal {
		// The chat's own model when it can write titles here; otherwise the default title model.
		const own = conversation.model ? resolveModel(providers, conversation.model, 'title') : null
		if (own && !('refused' in own)) return own
		return resolveModel(providers, null, 'title')
	}

	async function writeTitle(
		userId: string,
		conversationId: string,
		options: { onlyIfDefault: boolean },
	): Promise<{ title: string } | Refusal | null> {
		const start = await db.asUser(userId, async tx => {
			const conversation = await loadConversation(tx, conversationId)
			if (!conversation) return null
			const { rows } = await tx.query<{ role: string; content: string }>(
				`select role, content from public.messages where conversation_id = $1 and role in ('user', 'assistant')
				 and content <> '' order by created_at, case role when 'user' then 0 else 1 end, id limit 2`,
				[conversationId],
			)
			// The opening message first: a title says what was asked more than what was answered.
			return { conversation, text: rows.map(r => r.content).join('\n\n') }
		})
		if (!start) return notFound('That chat')
		if (options.onlyIfDefault && start.conversation.title !== DEFAULT_TITLE) return null
		if (!start.text) return refuse(409, 'nothing_to_title', 'Send a message first: there is nothing to name yet.')
		const model = titleModel(start.conversation)
		if ('refused' in model) return model
		const text = start.text.slice(0, 4000)
		const over = await db.asUser(userId, tx =>
			checkBudget(tx, userId, estimateMicros(model, text.length), deps.config.monthlyBudgetUsd),
		)
		if (over) return over
		let result: Awaited<ReturnType<ReturnType<ProviderRegistry['title']>['run']>>
		try {
			result = await providers.title(model.id).run({ text })
		} catch (error) {
			return providerRefusal(error)
		}
		const title = result.title.replace(/\s+/g, ' ').trim().slice(0, 200) || DEFAULT_TITLE
		const written = await db.asUser(userId, async tx => {
			const { rowCount } = await tx.query(
				`update public.conversations set title = $2 where id = $1${options.onlyIfDefault ? ' and title = $3' : ''}`,
				options.onlyIfDefault ? [conversationId, title, DEFAULT_TITLE] : [conversationId, title],
			)
			await recordUsage(tx, {
				userId,
				provider: model.provider,
				model: model.id,
				capability: 'title',
				usage: result.usage,
				costMicros: result.costMicros,
			})
			return rowCount > 0
		})
		return written ? { title } : null
	}

	/** `POST /api/title`: a new title now, replacing the current one. */
	async function generateTitle(actor: Actor, conversationId: string): Promise<{ title: string } | Refusal> {
		const result = await writeTitle(actor.id, conversationId, { onlyIfDefault: false })
		return result ?? notFound('That chat')
	}

	/** The `chat.title` worker: names a chat after its first exchange, unless someone named it meanwhile. */
	async function titleJob(job: Job<TitleData>): Promise<void> {
		const { conversationId, userId } = job.data
		const result = await writeTitle(userId, conversationId, { onlyIfDefault: true })
		if (result && 'refused' in result && result.status !== 404 && result.status !== 402) {
			// Worth another attempt later (a rate limit, an outage); the job engine backs off.
			if (!job.isLastAttempt && (result.status === 429 || result.status === 503)) throw new Error(result.message)
			logger.warn('chat title not written', { conversationId, code: result.code })
			job.markFailed(result.message)
		}
	}

	return { generate: generateTitle, job: titleJob }
}
