/**
 * Reads for browsing: a studio's gallery page by page (newest first, a cursor of creation time and id, so two
 * generations made in the same microsecond are neither skipped nor shown twice), a generation's lineage (its parent
 * and its children) and its neighbours in the gallery, for the arrows on its page. All as the user (RLS).
 */
import type { Db } from '#server/db/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import type { GenerationKind } from './schema.ts'
import { COLUMNS, toGeneration, type Generation, type Row } from './rows.ts'

/** A position in a gallery: the creation time in microseconds since 1970 (the database's precision) and the id. */
export type GalleryCursor = { micros: string; id: string }

/** `<microseconds>_<uuid>`, read back by `decodeCursor`. */
export function encodeCursor(cursor: GalleryCursor): string {
	return `${cursor.micros}_${cursor.id}`
}

export function decodeCursor(text: string): GalleryCursor | null {
	const match = /^(\d{1,17})_([0-9a-f-]{36})$/.exec(text)
	if (!match?.[1] || !match[2] || !isUuid(match[2])) return null
	return { micros: match[1], id: match[2] }
}

const MICROS = `(extract(epoch from created_at) * 1000000)::bigint::text`

export function createGallery(deps: { db: Db }) {
	const { db } = deps

	/** One page of a kind, newest first, after `cursor`, in the order of the gallery index. */
	async function page(
		actor: Actor,
		options: { kind: GenerationKind; cursor?: GalleryCursor | null; limit?: number },
	): Promise<{ items: Generation[]; next: string | null }> {
		const limit = Math.min(Math.max(options.limit ?? 24, 1), 100)
		const cursor = options.cursor ?? null
		const rows = await db.asUser(actor.id, async tx => {
			const result = await tx.query<Row & { micros: string }>(
				`select ${COLUMNS}, ${MICROS} as micros from public.generations
				 where deleted_at is null and kind = $1
				   and ($2::bigint is null or (created_at, id) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid))
				 order by created_at desc, id desc limit $4`,
				[options.kind, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
			)
			return result.rows
		})
		const items = rows.slice(0, limit)
		const last = items.at(-1)
		return {
			items: items.map(toGeneration),
			next: rows.length > limit && last ? encodeCursor({ micros: String(last.micros), id: last.id }) : null,
		}
	}

	/** The parent (if it still exists) and the children, oldest first. */
	async function lineage(
		actor: Actor,
		generation: Pick<Generation, 'id' | 'parentId'>,
	): Promise<{ parent: Generation | null; children: Generation[] }> {
		return db.asUser(actor.id, async tx => {
			const parent = generation.parentId
				? await tx.query<Row>(`select ${COLUMNS} from public.generations where id = $1 and deleted_at is null`, [
						generation.parentId,
					])
				: null
			const children = await tx.query<Row>(
				`select ${COLUMNS} from public.generations where parent_id = $1 and deleted_at is null
				 order by created_at, id limit 48`,
				[generation.id],
			)
			const first = parent?.rows[0]
			return { parent: first ? toGeneration(first) : null, children: children.rows.map(toGeneration) }
		})
	}

	/** The ids of the next newer and next older generation of the same kind, for the arrows on a detail page. */
	async function neighbours(
		actor: Actor,
		generation: Pick<Generation, 'id' | 'kind'>,
	): Promise<{ newer: string | null; older: string | null }> {
		return db.asUser(actor.id, async tx => {
			const here = `(select created_at from public.generations where id = $2)`
			const newer = await tx.query<{ id: string }>(
				`select id from public.generations where deleted_at is null and kind = $1 and (created_at, id) > (${here}, $2::uuid)
				 order by created_at, id limit 1`,
				[generation.kind, generation.id],
			)
			const older = await tx.query<{ id: string }>(
				`select id from public.generations where deleted_at is null and kind = $1 and (created_at, id) < (${here}, $2::uuid)
				 order by created_at desc, id desc limit 1`,
				[generation.kind, generation.id],
			)
			return { newer: newer.rows[0]?.id ?? null, older: older.rows[0]?.id ?? null }
		})
	}

	return { page, lineage, neighbours }
}

export type Gallery = ReturnType<typeof createGallery>
