/**
 * Reading generations as their owner (`db.asUser`, so row-level security applies): one, a page of them, and the
 * signed URLs of their outputs.
 */
import type { GenerationKind } from './schema.ts'
import type { Db } from '#server/db/index.ts'
import { windowedExpiry, type Storage } from '#server/storage/index.ts'
import { notFound, type Refusal } from '../refusal.ts'
import type { Actor } from '../actor.ts'
import {
	COLUMNS,
	loadGeneration,
	toGeneration,
	type Generation,
	type GenerationOutput,
	type Row,
	type ViewableOutput,
} from './rows.ts'

export function createReads(deps: { db: Db; storage: Storage }) {
	const { db, storage } = deps

	async function get(actor: Actor, id: string): Promise<Generation | Refusal> {
		const generation = await db.asUser(actor.id, tx => loadGeneration(tx, id))
		return generation ?? notFound('That generation')
	}

	async function list(actor: Actor, options: { kind?: GenerationKind; limit?: number; before?: Date } = {}) {
		const limit = Math.min(Math.max(options.limit ?? 24, 1), 100)
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`select ${COLUMNS} from public.generations
				 where deleted_at is null and ($1::text is null or kind = $1) and ($2::timestamptz is null or created_at < $2)
				 order by created_at desc limit $3`,
				[options.kind ?? null, options.before ?? null, limit],
			)
			return rows.map(toGeneration)
		})
	}

	/**
	 * Signed URLs for the outputs and their thumbnails. They expire on a half-hour boundary at least `expiresInSeconds`
	 * away, so a page rendered twice within the half hour names the same URLs and the browser's cache holds.
	 * `download` adds a URL that saves the original under a readable name.
	 */
	async function withUrls(
		generation: Generation,
		options: { expiresInSeconds?: number; download?: boolean } = {},
	): Promise<ViewableOutput[]> {
		const expiresInSeconds = windowedExpiry(options.expiresInSeconds ?? 3600)
		const sign = (bucket: GenerationOutput['bucket'], key: string) =>
			storage.signedUrl(bucket, key, { expiresInSeconds })
		return Promise.all(
			generation.outputs.map(async (output, i) => {
				const { thumbnails, ...rest } = output
				const viewable: ViewableOutput = { ...rest, url: await sign(output.bucket, output.key) }
				if (thumbnails) {
					viewable.thumbnails = await Promise.all(
						thumbnails.map(async t => ({ ...t, url: await sign(output.bucket, t.key) })),
					)
				}
				if (options.download) {
					const extension = output.key.split('.').at(-1) ?? 'bin'
					viewable.downloadUrl = await storage.signedUrl(output.bucket, output.key, {
						expiresInSeconds,
						download: `${generation.kind}-${generation.id.slice(0, 8)}-${i + 1}.${extension}`,
					})
				}
				return viewable
			}),
		)
	}

	return { get, list, withUrls }
}
