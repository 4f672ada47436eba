/**
 * `POST /api/analysis`: one image — or a frame the browser took from a video — and a question, answered as text
 * by a vision-capable model. The bytes decide what the file is; nothing is stored; the call is budgeted and
 * recorded in `api_usage`.
 */
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Usage } from '#server/providers/types.ts'
import { sniff } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { checkBudget, recordUsage } from '../usage/index.ts'
import type { Actor } from '../actor.ts'
import type { DomainDeps } from '../deps.ts'
import { resolveModel } from '../models/resolve.ts'
import { providerRefusal } from '../provider-failures.ts'
import { estimateMicros, readAll, type UploadedFile } from './support.ts'

const MAX_IMAGE_BYTES = 20 * 1024 * 1024

export function createAnalysis(deps: Pick<DomainDeps, 'config' | 'db' | 'providers' | 'storage'>) {
	const { db, providers, storage } = deps

	/** `POST /api/analysis`: one image (or a frame the browser took from a video), one question, a text answer. */
	async function analyse(
		actor: Actor,
		input: { image?: UploadedFile; attachmentId?: string | undefined; question: string; model?: string | undefined },
	): Promise<{ text: string; model: string; costMicros: number; usage: Usage } | Refusal> {
		let data: Uint8Array
		if (input.image) data = input.image.data
		else if (input.attachmentId) {
			const row = await db.asUser(actor.id, async tx => {
				if (!isUuid(input.attachmentId)) return null
				const { rows } = await tx.query<{ bucket: 'media' | 'attachments'; key: string }>(
					'select bucket, key from public.attachments where id = $1',
					[input.attachmentId],
				)
				return rows[0] ?? null
			})
			if (!row) return notFound('That attachment')
			data = await readAll((await storage.get(row.bucket, row.key)).body)
		} else {
			return refuse(400, 'missing_image', 'Send an image as the `file` field, or name an attachment.', {
				fields: { file: ['Choose an image.'] },
			})
		}
		if (data.length === 0)
			return refuse(400, 'empty_file', 'That file is empty.', { fields: { file: ['Empty file.'] } })
		if (data.length > MAX_IMAGE_BYTES) {
			return refuse(413, 'too_large', 'Images can be at most 20 MB.', { fields: { file: ['At most 20 MB.'] } })
		}
		const type = sniff(data.subarray(0, 8192), { filename: input.image?.name ?? null })
		if (type.kind !== 'image' || !type.inline) {
			const message =
				type.kind === 'video'
					? 'Send one frame of the video as an image (PNG, JPEG or WebP); videos are not analysed whole.'
					: 'That file is not an image (PNG, JPEG, GIF, WebP or AVIF).'
			return refuse(415, 'not_an_image', message, { fields: { file: [message] } })
		}
		const model = resolveModel(providers, input.model ?? null, 'vision')
		if ('refused' in model) return model
		const over = await db.asUser(actor.id, tx =>
			checkBudget(tx, actor.id, estimateMicros(model, input.question.length + 3000), deps.config.monthlyBudgetUsd),
		)
		if (over) return over
		let result: Awaited<ReturnType<ReturnType<ProviderRegistry['vision']>['run']>>
		try {
			result = await providers
				.vision(model.id)
				.run({ image: { data, contentType: type.mime }, question: input.question })
		} catch (error) {
			return providerRefusal(error)
		}
		await db.asUser(actor.id, tx =>
			recordUsage(tx, {
				userId: actor.id,
				provider: model.provider,
				model: model.id,
				capability: 'vision',
				usage: result.usage,
				costMicros: result.costMicros,
			}),
		)
		return { text: result.text, model: model.id, costMicros: result.costMicros, usage: result.usage }
	}

	return { analyse }
}
