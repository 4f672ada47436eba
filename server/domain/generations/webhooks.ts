/**
 * Replicate webhook deliveries (Standard Webhooks): the signature over `id.timestamp.body` is checked on the
 * raw body with a 5-minute timestamp tolerance, the delivery id is stored so a replay is a no-op, and the
 * prediction then takes the same completion path as polling. The replicate SDK's own helper skips the
 * timestamp check, so it is not used.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { refuse } from '../refusal.ts'
import type { Refusal } from '../refusal.ts'
import type { Generations } from './index.ts'

export type WebhookOutcome = { accepted: true; duplicate: boolean } | Refusal

export function createReplicateWebhooks(deps: {
	config: Pick<Config, 'replicate' | 'webhookDevBypass' | 'isProduction'>
	db: Db
	providers: ProviderRegistry
	generations: Pick<Generations, 'applyPrediction'>
}) {
	const secret = deps.config.replicate?.webhookSecret ?? null
	const verifier = secret ? new Webhook(secret) : null
	// Unsigned deliveries only when explicitly allowed, and never in production (config refuses it there too).
	const bypass = deps.config.webhookDevBypass && !deps.config.isProduction

	async function receive(rawBody: string, headers: Headers): Promise<WebhookOutcome> {
		const id = headers.get('webhook-id')
		const timestamp = headers.get('webhook-timestamp')
		const signature = headers.get('webhook-signature')
		if (!bypass) {
			if (!verifier) return refuse(503, 'webhooks_not_configured', 'Webhooks are not configured on this server.')
			if (!id || !timestamp || !signature) {
				return refuse(
					401,
					'missing_signature',
					'The webhook-id, webhook-timestamp and webhook-signature headers are required.',
				)
			}
			try {
				verifier.verify(rawBody, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature })
			} catch (error) {
				const reason = error instanceof WebhookVerificationError ? error.message : 'verification failed'
				logger.warn('webhook refused', { provider: 'replicate', reason, webhook_id: id })
				return refuse(401, 'bad_signature', 'The webhook signature or timestamp is not valid.')
			}
		}
		let body: unknown
		try {
			body = JSON.parse(rawBody)
		} catch {
			return refuse(400, 'bad_body', 'The webhook body is not JSON.')
		}
		const deliveryId = id ?? `unsigned:${Date.now()}:${Math.random()}`
		// Record the delivery first: a replay of the same id finds it and changes nothing.
		const { rowCount } = await deps.db.privileged(tx =>
			tx.query(
				`insert into public.webhook_events (id, provider) values ($1, 'replicate') on conflict (id) do nothing`,
				[deliveryId],
			),
		)
		if (rowCount === 0) return { accepted: true, duplicate: true }
		try {
			const state = deps.providers.predictions('replicate').parse(body)
			await deps.generations.applyPrediction('replicate', state)
		} catch (error) {
			// Forget the delivery so the provider's retry (it retries on a 5xx) is processed, not taken for a replay.
			await deps.db.privileged(tx => tx.query('delete from public.webhook_events where id = $1', [deliveryId]))
			throw error
		}
		return { accepted: true, duplicate: false }
	}

	return { receive }
}

export type ReplicateWebhooks = ReturnType<typeof createReplicateWebhooks>
