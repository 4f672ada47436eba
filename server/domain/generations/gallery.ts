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

/**
 * The tiles a generation takes in a gallery: the pictures it was asked for (`n`), which is what a finished run of
 * the studio holds and what a running one shows. Read from `params` only, so counting rows past the page does not
 * read their outputs.
 */
const TILES = `(case when jsonb_typeof(params->'n') = 'number' then greatest((params->>'n')::numeric::int, 1) else 1 end)`

const MICROS = `(extract(epoch from created_at) * 1000000)::bigint::text`

export function createGallery(deps: { db: Db }) {
	const { db } = deps

	/**
	 * One page of a kind, newest first, after `cursor`, in the order of the gallery index. `maxTiles` ends the page
	 * early once its generations hold that many pictures (a run of four is four tiles), so a page of runs of four
	 * costs no more to render than a page of single images.
	 */
	async function page(
		actor: Actor,
		options: { kind: GenerationKind; cursor?: GalleryCursor | null; limit?: number; maxTiles?: number },
	): Promise<{ items: Generation[]; next: string | null }> {
		const limit = Math.min(Math.max(options.limit ?? 24, 1), 100)
		const cursor = options.cursor ?? null
		const maxTiles = options.maxTiles ?? null
		// The running count of tiles is taken in the database, so rows past the page are never sent or parsed: the
		// page's rows, then one more (the first that does not fit, or the second when the first alone overflows) to
		// tell whether there is a next page.
		const rows = await db.asUser(actor.id, async tx => {
			const result = await tx.query<Row & { micros: string; running: string }>(
				`select * from (
				   select ${COLUMNS}, ${MICROS} as micros, sum(${TILES}) over w as running, ${TILES} as tiles,
				          row_number() over w as pos
				   from public.generations
				   where deleted_at is null and kind = $1
				     and ($2::bigint is null or (created_at, id) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid))
				   window w as (order by created_at desc, id desc)
				   order by created_at desc, id desc limit $4
				 ) page
				 where $5::int is null or pos <= 2 or running - tiles <= $5
				 order by pos`,
				[options.kind, cursor?.micros ?? null, cursor?.id ?? null, limit + 1, maxTiles],
			)
			return result.rows
		})
		// The first generation always fits, however many pictures it holds.
		const items = rows.filter(
			(row, i) => i < limit && (i === 0 || maxTiles === null || Number(row.running) <= maxTiles),
		)
		const last = items.at(-1)
		return {
			items: items.map(toGeneration),
			next: rows.length > items.length && last ? encodeCursor({ micros: String(last.micros), id: last.id }) : null,
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
