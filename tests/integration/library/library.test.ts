/**
 * The library on both drivers, on the services as production wires them: every kind of item in one list (studio
 * generations, a workflow output, a mixdown, a chat attachment, a transcript), each filter, full-text search,
 * pages that neither skip nor repeat items made in the same microsecond (both orders), the count, favourites,
 * bulk delete (generations undoable) and the zip's entries and bytes; another user's items never appear.
 */
import { inflateRawSync } from 'node:zlib'
import { beforeAll, describe, expect, test } from 'vitest'
import type { Refusal } from '#server/domain/refusal.ts'
import type { LibraryQuery } from '#server/domain/library/schema.ts'
import { createConversation, createMessage, createUser, testDrivers, type TestUser } from '#tests/support/database.ts'
import { png, wav } from '#tests/support/samples.ts'
import { outputOf } from '#tests/support/generations.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

function ok<T>(value: T | Refusal): T {
	if (typeof value === 'object' && value !== null && 'refused' in value) throw new Error(`refused: ${value.message}`)
	return value
}

const q = (query: Partial<LibraryQuery> = {}): LibraryQuery => ({ sort: 'newest', ...query })

/** File names and contents of a zip (stored or deflated entries), read from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
	const files = new Map<string, Buffer>()
	const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
	let at = zip.readUInt32LE(end + 16)
	const entries = zip.readUInt16LE(end + 10)
	for (let i = 0; i < entries; i++) {
		const method = zip.readUInt16LE(at + 10)
		const size = zip.readUInt32LE(at + 20)
		const nameLength = zip.readUInt16LE(at + 28)
		const extra = zip.readUInt16LE(at + 30)
		const comment = zip.readUInt16LE(at + 32)
		const offset = zip.readUInt32LE(at + 42)
		const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8')
		const local = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
		files.set(
			name,
			method === 0 ? zip.subarray(local, local + size) : inflateRawSync(zip.subarray(local, local + size)),
		)
		at += 46 + nameLength + extra + comment
	}
	return files
}

describe.each(testDrivers())('the library on %s', driver => {
	const t = useTestServices(driver)
	let user: TestUser
	let other: TestUser
	const ids: Record<string, string> = {}
	const image = png(4, 4, [10, 200, 30])
	const recording = wav(8000)

	async function insertGeneration(
		owner: string,
		fields: {
			kind?: string
			status?: string
			model?: string
			prompt: string
			params?: object
			outputs?: object[]
			parent?: string
			at?: string
		},
	): Promise<string> {
		return insertedId(
			`insert into generations (user_id, kind, status, provider, model, prompt, params, outputs, parent_id, created_at)
			 values ($1, $2, $3, 'offline', $4, $5, $6, $7, $8, coalesce($9::timestamptz, now())) returning id`,
			[
				owner,
				fields.kind ?? 'image',
				fields.status ?? 'succeeded',
				fields.model ?? 'offline:image',
				fields.prompt,
				JSON.stringify(fields.params ?? {}),
				JSON.stringify(fields.outputs ?? []),
				fields.parent ?? null,
				fields.at ?? null,
			],
		)
	}

	/** The id of the one row an `insert … returning id` made. */
	async function insertedId(sql: string, params: unknown[]): Promise<string> {
		return (await t.services.db.privileged(tx => tx.query<{ id: string }>(sql, params))).rows[0]!.id
	}

	const putFile = (owner: string, bucket: 'media' | 'attachments', data: Uint8Array, filename: string) =>
		t.services.storage.put({ bucket, userId: owner, data, filename })

	beforeAll(async () => {
		user = await createUser(t.services.db)
		other = await createUser(t.services.db)
		const output = outputOf(await putFile(user.id, 'media', image, 'a.png'))
		ids.lighthouse = await insertGeneration(user.id, {
			prompt: 'A lighthouse on a cliff at dawn',
			outputs: [output],
			at: '2026-03-01T10:00:00Z',
		})
		ids.variation = await insertGeneration(user.id, {
			prompt: 'Stormy seas around an old tower',
			parent: ids.lighthouse,
			at: '2026-03-02T10:00:00Z',
		})
		ids.video = await insertGeneration(user.id, {
			kind: 'video',
			status: 'failed',
			model: 'offline:video',
			prompt: 'Waves rolling in slow motion',
			at: '2026-04-10T10:00:00Z',
		})
		ids.project = await insertedId(`insert into audio_projects (user_id, name) values ($1, 'Podcast') returning id`, [
			user.id,
		])
		ids.mixdown = await insertGeneration(user.id, {
			kind: 'audio',
			model: 'offline:mixdown',
			prompt: 'Mixdown of “Podcast”',
			params: { source: 'mixdown', projectId: ids.project },
			at: '2026-04-11T10:00:00Z',
		})
		ids.workflowOutput = await insertGeneration(user.id, {
			prompt: 'A poster for the fair',
			at: '2026-04-12T10:00:00Z',
		})
		await t.services.db.privileged(async tx => {
			const w = await tx.query<{ id: string }>(
				`insert into workflows (user_id, name) values ($1, 'Poster flow') returning id`,
				[user.id],
			)
			const r = await tx.query<{ id: string }>(
				`insert into workflow_runs (user_id, workflow_id) values ($1, $2) returning id`,
				[user.id, w.rows[0]!.id],
			)
			await tx.query(
				`insert into workflow_node_runs (user_id, run_id, node_id, kind, generation_id) values ($1, $2, 'poster', 'image', $3)`,
				[user.id, r.rows[0]!.id, ids.workflowOutput],
			)
		})
		const chat = await createConversation(t.services.db, user.id, { title: 'Holiday plans' })
		const message = await createMessage(t.services.db, user.id, chat.id, {
			content: 'What do you think of this photo?',
		})
		ids.conversation = chat.id
		const attached = await putFile(user.id, 'attachments', image, 'beach_photo.png')
		ids.attachment = await insertedId(
			`insert into attachments (user_id, message_id, bucket, key, content_type, size, name, created_at)
			 values ($1, $2, $3, $4, $5, $6, 'beach_photo.png', '2026-05-01T10:00:00Z') returning id`,
			[user.id, message.id, attached.bucket, attached.key, attached.contentType, attached.size],
		)
		const rec = await putFile(user.id, 'media', recording, 'memo_final.wav')
		ids.transcript = await insertedId(
			`insert into transcripts (user_id, provider, model, name, bucket, key, content_type, size, status, segments, created_at)
			 values ($1, 'offline', 'offline:transcribe', 'memo_final.wav', $2, $3, $4, $5, 'succeeded', $6, '2026-05-02T10:00:00Z')
			 returning id`,
			[
				user.id,
				rec.bucket,
				rec.key,
				rec.contentType,
				rec.size,
				JSON.stringify([{ start: 0, end: 1, text: 'Hello there.' }]),
			],
		)
		ids.foreign = await insertGeneration(other.id, { prompt: 'A lighthouse that is not yours' })
	}, 120_000)

	const listed = async (query: Partial<LibraryQuery> = {}) => {
		const page = await t.services.library.list(user, q(query), 100)
		return { ids: page.items.map(i => i.id), count: page.count, items: page.items }
	}

	test('every kind of item in one list, newest first, and nothing of another user', async () => {
		const all = await listed()
		expect(all.ids).toEqual([
			ids.transcript,
			ids.attachment,
			ids.workflowOutput,
			ids.mixdown,
			ids.video,
			ids.variation,
			ids.lighthouse,
		])
		expect(all.count).toBe(7)
		const tiles = new Map(all.items.map(i => [i.id, i]))
		expect(tiles.get(ids.attachment!)).toMatchObject({ type: 'attachment', kind: 'image', source: 'chat' })
		expect(tiles.get(ids.attachment!)?.thumbnailUrl).toBeTruthy()
		expect(tiles.get(ids.transcript!)).toMatchObject({ type: 'transcript', kind: 'transcript', source: 'studio' })
		expect(tiles.get(ids.workflowOutput!)).toMatchObject({ source: 'workflow' })
		expect(tiles.get(ids.lighthouse!)?.thumbnailUrl).toBeTruthy()
		expect((await t.services.library.list(other, q(), 100)).items.map(i => i.id)).toEqual([ids.foreign])
	})

	test('filters: kind, status, model, source, date range, favourites', async () => {
		expect((await listed({ kind: 'image' })).ids).toEqual([
			ids.attachment,
			ids.workflowOutput,
			ids.variation,
			ids.lighthouse,
		])
		expect((await listed({ kind: 'transcript' })).ids).toEqual([ids.transcript])
		expect((await listed({ status: 'failed' })).ids).toEqual([ids.video])
		expect((await listed({ model: 'offline:mixdown' })).ids).toEqual([ids.mixdown])
		expect((await listed({ source: 'chat' })).ids).toEqual([ids.attachment])
		expect((await listed({ source: 'workflow' })).ids).toEqual([ids.workflowOutput])
		expect((await listed({ source: 'studio' })).count).toBe(5)
		const april = await listed({ from: '2026-04-10', to: '2026-04-11' })
		expect(april.ids).toEqual([ids.mixdown, ids.video])
		expect(april.count).toBe(2)
		expect((await listed({ favorites: '1' })).ids).toEqual([])
		ok(await t.services.library.setFavorite(user, { type: 'attachment', id: ids.attachment! }, true))
		ok(await t.services.library.setFavorite(user, { type: 'generation', id: ids.lighthouse! }, true))
		expect((await listed({ favorites: '1' })).ids).toEqual([ids.attachment, ids.lighthouse])
		ok(await t.services.library.setFavorite(user, { type: 'attachment', id: ids.attachment! }, false))
		expect((await listed({ favorites: '1' })).ids).toEqual([ids.lighthouse])
		// Another user's item cannot be starred: RLS hides it.
		expect(await t.services.library.setFavorite(user, { type: 'generation', id: ids.foreign! }, true)).toMatchObject({
			refused: true,
			status: 404,
		})
		expect(await t.services.library.models(user)).toEqual([
			'offline:image',
			'offline:mixdown',
			'offline:transcribe',
			'offline:video',
		])
	})

	test('full-text search over prompts and file names, with stemming, and an index to serve it', async () => {
		expect((await listed({ q: 'lighthouses' })).ids).toEqual([ids.lighthouse])
		expect((await listed({ q: 'memo' })).ids).toEqual([ids.transcript])
		expect((await listed({ q: 'beach photo' })).ids).toEqual([ids.attachment])
		expect((await listed({ q: 'tower OR poster' })).ids).toEqual([ids.workflowOutput, ids.variation])
		expect((await listed({ q: '"slow motion" -waves' })).ids).toEqual([])
		expect((await listed({ q: 'lighthouse', kind: 'video' })).count).toBe(0)
		const indexes = await t.services.db.privileged(tx =>
			tx.query<{ indexname: string }>(
				`select indexname from pg_indexes where indexname in ('generations_search_idx', 'attachments_search_idx', 'transcripts_search_idx')`,
			),
		)
		expect(indexes.rows).toHaveLength(3)
	})

	test('pages never skip or repeat items made in the same microsecond, in either order', async () => {
		const owner = await createUser(t.services.db)
		const made = new Set<string>()
		for (let i = 0; i < 23; i++)
			made.add(await insertGeneration(owner.id, { prompt: `tie ${i}`, at: '2026-06-01T12:00:00.123456Z' }))
		for (const sort of ['newest', 'oldest'] as const) {
			const seen: string[] = []
			let cursor: string | undefined
			for (let pages = 0; pages < 10; pages++) {
				const page = await t.services.library.list(owner, q({ sort, ...(cursor ? { cursor } : {}) }), 5)
				expect(page.count).toBe(23)
				seen.push(...page.items.map(i => i.id))
				if (!page.next) break
				cursor = page.next
			}
			expect(seen).toHaveLength(23)
			expect(new Set(seen)).toEqual(made)
			const sorted = [...seen].sort()
			expect(seen).toEqual(sort === 'oldest' ? sorted : sorted.reverse())
		}
	})

	test('the zip holds every chosen file, named readably, the bytes unchanged; another user’s items are left out', async () => {
		const made = ok(
			await t.services.library.archive(user, [
				{ type: 'generation', id: ids.lighthouse! },
				{ type: 'attachment', id: ids.attachment! },
				{ type: 'transcript', id: ids.transcript! },
				{ type: 'generation', id: ids.foreign! },
			]),
		)
		const chunks: Buffer[] = []
		for await (const chunk of made.stream) chunks.push(Buffer.from(chunk as Uint8Array))
		const files = unzip(Buffer.concat(chunks))
		const names = [...files.keys()].sort()
		expect(names).toEqual(
			[
				`image-a-lighthouse-on-a-cliff-at-dawn-${ids.lighthouse!.slice(0, 8)}.png`,
				`image-beach-photo-${ids.attachment!.slice(0, 8)}.png`,
				`transcript-memo-final-${ids.transcript!.slice(0, 8)}.txt`,
				`transcript-memo-final-${ids.transcript!.slice(0, 8)}.wav`,
			].sort(),
		)
		const byExt = (ext: string, kind: string) =>
			[...files.entries()].find(([n]) => n.startsWith(kind) && n.endsWith(ext))?.[1]
		expect(byExt('.png', 'image-a-')?.equals(Buffer.from(image))).toBe(true)
		expect(byExt('.png', 'image-beach')?.equals(Buffer.from(image))).toBe(true)
		expect(byExt('.wav', 'transcript')?.equals(Buffer.from(recording))).toBe(true)
		expect(byExt('.txt', 'transcript')?.toString('utf8')).toContain('Hello there.')
		expect(await t.services.library.archive(user, [{ type: 'generation', id: ids.foreign! }])).toMatchObject({
			status: 404,
		})
		expect(await t.services.library.archive(user, [])).toMatchObject({ status: 400, code: 'no_items' })
	})

	test('lineage: the parent, the workflow run, the mixdown’s project, the chat message; and what was made from it', async () => {
		const parent = ok(await t.services.library.detail(user, { type: 'generation', id: ids.lighthouse! }))
		expect(parent.lineage.children).toEqual([expect.objectContaining({ type: 'generation', id: ids.variation })])
		const child = ok(await t.services.library.detail(user, { type: 'generation', id: ids.variation! }))
		expect(child.lineage.parent).toMatchObject({ id: ids.lighthouse })
		const wf = ok(await t.services.library.detail(user, { type: 'generation', id: ids.workflowOutput! }))
		expect(wf.lineage.workflowRun).toMatchObject({ workflowName: 'Poster flow', nodeId: 'poster' })
		const mix = ok(await t.services.library.detail(user, { type: 'generation', id: ids.mixdown! }))
		expect(mix.lineage.project).toEqual({ id: ids.project, name: 'Podcast' })
		const file = ok(await t.services.library.detail(user, { type: 'attachment', id: ids.attachment! }))
		expect(file.lineage.message).toMatchObject({ conversationId: ids.conversation, conversationTitle: 'Holiday plans' })
		expect(await t.services.library.detail(user, { type: 'generation', id: ids.foreign! })).toMatchObject({
			status: 404,
		})
	})

	test('bulk delete: generations leave at once and come back with Undo; transcripts and chat files go for good', async () => {
		const owner = await createUser(t.services.db)
		const g1 = await insertGeneration(owner.id, { prompt: 'first' })
		const g2 = await insertGeneration(owner.id, { prompt: 'second' })
		const keep = await insertGeneration(owner.id, { prompt: 'kept' })
		const rec = await putFile(owner.id, 'media', recording, 'x.wav')
		const transcript = await insertedId(
			`insert into transcripts (user_id, provider, model, name, bucket, key, content_type, size)
			 values ($1, 'offline', 'offline:transcribe', 'x.wav', $2, $3, $4, $5) returning id`,
			[owner.id, rec.bucket, rec.key, rec.contentType, rec.size],
		)
		const result = ok(
			await t.services.library.remove(owner, [
				{ type: 'generation', id: g1 },
				{ type: 'generation', id: g2 },
				{ type: 'transcript', id: transcript },
				{ type: 'generation', id: ids.foreign! },
			]),
		)
		expect(result.deleted).toBe(3)
		expect(result.undoable.sort()).toEqual([g1, g2].sort())
		expect((await t.services.library.list(owner, q(), 100)).items.map(i => i.id)).toEqual([keep])
		// The other user's generation was not touched.
		expect((await t.services.library.list(other, q(), 100)).items.map(i => i.id)).toEqual([ids.foreign])
		expect(ok(await t.services.library.restore(owner, result.undoable))).toBe(2)
		const back = await t.services.library.list(owner, q(), 100)
		expect(back.items.map(i => i.id).sort()).toEqual([g1, g2, keep].sort())
		expect(back.count).toBe(3)
		expect(await t.services.library.remove(owner, [])).toMatchObject({ status: 400 })
	})

	test('the count and the model choices follow every change, read from the kept counts as counting would say', async () => {
		const owner = await createUser(t.services.db)
		const actor = { ...owner }
		const { ITEMS } = await import('#server/domain/library/items.ts')
		const views: Partial<LibraryQuery>[] = [
			{},
			{ kind: 'image' },
			{ kind: 'video' },
			{ model: 'offline:image' },
			{ model: 'offline:video', kind: 'video' },
			{ favorites: '1' },
			{ favorites: '1', kind: 'image' },
			{ source: 'chat' },
			{ source: 'chat', kind: 'image' },
		]
		/** Counted one by one, as the list would count without the kept counts. */
		const counted = (view: Partial<LibraryQuery>) =>
			t.services.db.asUser(owner.id, async tx => {
				const where = ['user_id = $1']
				const values: unknown[] = [owner.id]
				if (view.kind) where.push(`kind = $${values.push(view.kind)}`)
				if (view.model) where.push(`model = $${values.push(view.model)}`)
				if (view.favorites) where.push('favorite')
				if (view.source === 'chat') where.push(`type = 'attachment'`)
				const { rows } = await tx.query<{ n: number }>(
					`select count(*)::int as n from ${ITEMS} where ${where.join(' and ')}`,
					values,
				)
				return rows[0]?.n
			})
		const check = async (label: string) => {
			for (const view of views) {
				const expected = await counted(view)
				expect((await t.services.library.list(actor, q(view), 1)).count, `${label}: ${JSON.stringify(view)}`).toBe(
					expected,
				)
			}
			const models = await t.services.db.asUser(owner.id, tx =>
				tx.query<{ model: string }>(
					`select distinct model from ${ITEMS} where user_id = $1 and type <> 'attachment' order by model`,
					[owner.id],
				),
			)
			expect(await t.services.library.models(actor), label).toEqual(models.rows.map(r => r.model))
			expect((await t.services.library.list(actor, q(), 1)).models, label).toEqual(models.rows.map(r => r.model))
		}
		await check('empty')
		const a = await insertGeneration(owner.id, { prompt: 'one' })
		const b = await insertGeneration(owner.id, { prompt: 'two' })
		const v = await insertGeneration(owner.id, { prompt: 'three', kind: 'video', model: 'offline:video' })
		const conversation = await createConversation(t.services.db, owner.id)
		const message = await createMessage(t.services.db, owner.id, conversation.id)
		const attached = await putFile(owner.id, 'attachments', image, 'a.png')
		const file = await insertedId(
			`insert into attachments (user_id, message_id, bucket, key, content_type, size, name)
			 values ($1, $2, $3, $4, $5, $6, 'a.png') returning id`,
			[owner.id, message.id, attached.bucket, attached.key, attached.contentType, attached.size],
		)
		await check('inserted')
		ok(await t.services.library.setFavorite(actor, { type: 'generation', id: a }, true))
		ok(await t.services.library.setFavorite(actor, { type: 'attachment', id: file }, true))
		await check('favourites')
		ok(await t.services.library.setFavorite(actor, { type: 'generation', id: a }, false))
		await check('a favourite taken back')
		const removed = ok(await t.services.library.remove(actor, [{ type: 'generation', id: b }]))
		await check('deleted (undoable)')
		ok(await t.services.library.restore(actor, removed.undoable))
		await check('restored')
		await t.services.db.privileged(tx => tx.query(`update generations set model = 'offline:other' where id = $1`, [v]))
		await t.services.db.privileged(tx =>
			tx.query(`update attachments set content_type = 'text/plain' where id = $1`, [file]),
		)
		await check('model and content type changed')
		await t.services.db.privileged(tx => tx.query('delete from generations where id = any($1::uuid[])', [[a, v]]))
		await t.services.db.privileged(tx => tx.query('delete from attachments where user_id = $1', [owner.id]))
		await check('deleted for good')
		const rows = await t.services.db.privileged(tx =>
			tx.query<{ kind: string }>('select kind from library_counts where user_id = $1', [owner.id]),
		)
		// A key's row goes with its last item.
		expect(rows.rows.map(r => r.kind)).toEqual(['image'])
	})
})
