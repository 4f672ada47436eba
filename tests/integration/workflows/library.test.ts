/**
 * A person's workflows as drafts (PGlite and, with DATABASE_URL, Postgres): built step by step as the form editor
 * does, kept while not yet runnable, refused when a node is malformed, duplicated, exported and imported back,
 * deleted — and invisible to anyone else.
 */
import { describe, expect, test } from 'vitest'
import { validateWorkflow } from '#server/domain/workflows/validate.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

describe.each(testDrivers())('workflow library on %s', driver => {
	const t = useTestServices(driver, { workers: false })

	test('a three-node workflow built step by step is a draft until its inputs are connected, then it validates', async () => {
		const user = await createUser(t.services.db)
		const lib = t.services.workflows.library
		const made = await lib.createDraft(user, 'Poster')
		if ('refused' in made) throw new Error(made.message)
		const step = async (edit: Parameters<typeof lib.edit>[2]) => {
			const r = await lib.edit(user, made.id, edit)
			if ('refused' in r) throw new Error(r.message)
			return r
		}
		const text = await step({ op: 'add', kind: 'text' })
		const tpl = await step({ op: 'add', kind: 'template' })
		const img = await step({ op: 'add', kind: 'image' })
		expect([text.nodeId, tpl.nodeId, img.nodeId]).toEqual(['text1', 'template1', 'image1'])
		// Not runnable yet (the image has no prompt), but saved.
		const unconnected = validateWorkflow(img.definition, t.services.providers.list())
		expect(unconnected.ok).toBe(false)
		expect(unconnected.ok ? [] : unconnected.problems.map(p => [p.nodeId, p.code])).toContainEqual([
			'image1',
			'unconnected',
		])

		await step({ op: 'update', nodeId: 'text1', form: { name: 'Topic', fields: { value: 'lighthouses' }, inputs: {} } })
		await step({
			op: 'update',
			nodeId: 'template1',
			form: { name: 'Prompt', fields: { template: 'A poster of {{topic}}' }, inputs: { topic: ['text1.text'] } },
		})
		const done = await step({
			op: 'update',
			nodeId: 'image1',
			form: { name: 'Poster', model: 'offline:image', fields: { n: '1' }, inputs: { prompt: ['template1.text'] } },
		})
		expect(validateWorkflow(done.definition, t.services.providers.list()).ok).toBe(true)
		const started = await t.services.workflows.runs.start(user, made.id)
		expect('runId' in started).toBe(true)

		// A malformed value is refused with the node's message, and nothing is lost.
		const bad = await lib.edit(user, made.id, {
			op: 'update',
			nodeId: 'image1',
			form: { name: 'Poster', model: 'offline:image', fields: { n: '9' }, inputs: { prompt: ['template1.text'] } },
		})
		expect(bad).toMatchObject({
			refused: true,
			status: 422,
			fields: { image1: ['The number of images must be at most 4.'] },
		})
		// An input of the wrong type is refused too.
		const wrong = await lib.edit(user, made.id, {
			op: 'update',
			nodeId: 'image1',
			form: { name: 'Poster', model: 'offline:image', fields: {}, inputs: { prompt: ['image1.image'] } },
		})
		expect(wrong).toMatchObject({ refused: true, status: 422 })
		const kept = await lib.get(user, made.id)
		if ('refused' in kept) throw new Error(kept.message)
		expect(kept.definition.nodes.find(n => n.id === 'image1')).toMatchObject({ n: 1 })

		// Reorder and remove.
		const moved = await step({ op: 'move', nodeId: 'image1', direction: 'up' })
		expect(moved.definition.nodes.map(n => n.id)).toEqual(['text1', 'image1', 'template1'])
		const removed = await step({ op: 'remove', nodeId: 'template1' })
		expect(removed.definition.nodes.map(n => n.id)).toEqual(['text1', 'image1'])
		expect(removed.definition.edges).toEqual([])
		expect(await lib.listRuns(user, made.id)).toHaveLength(1)
	})

	test('export, import, duplicate and delete; another person sees none of it', async () => {
		const user = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const lib = t.services.workflows.library
		const made = await lib.createDraft(user, 'Original', {
			version: 1,
			nodes: [{ id: 'a', name: 'A', kind: 'text', value: 'hi' }],
			edges: [],
			layout: { a: { x: 10, y: 20 } },
		})
		if ('refused' in made) throw new Error(made.message)
		const file = await lib.exportFile(user, made.id)
		if ('refused' in file) throw new Error(file.message)
		expect(file).toMatchObject({ format: 'generation-studio.workflow', name: 'Original' })
		const imported = await lib.importFile(user, JSON.parse(JSON.stringify(file)))
		if ('refused' in imported) throw new Error(imported.message)
		const copy = await lib.duplicate(user, made.id)
		if ('refused' in copy) throw new Error(copy.message)
		const names = (await lib.list(user)).map(w => w.name).sort()
		expect(names).toEqual(['Original', 'Original', 'Original (copy)'])
		const again = await lib.get(user, imported.id)
		expect(again).toMatchObject({ definition: { layout: { a: { x: 10, y: 20 } } } })

		expect(await lib.importFile(user, { format: 'other' })).toMatchObject({ refused: true, status: 400 })
		expect(
			await lib.importFile(user, { version: 1, nodes: [{ id: 'a', name: 'A', kind: 'text', value: 1 }], edges: [] }),
		).toMatchObject({ refused: true, status: 422, fields: { a: [expect.stringContaining('text')] } })

		expect(await lib.list(other)).toEqual([])
		expect(await lib.get(other, made.id)).toMatchObject({ refused: true, status: 404 })
		expect(await lib.edit(other, made.id, { op: 'rename', name: 'Mine' })).toMatchObject({ status: 404 })
		expect(await lib.remove(other, made.id)).toMatchObject({ status: 404 })
		expect(await lib.remove(user, made.id)).toEqual({ deleted: true })
		expect(await lib.get(user, made.id)).toMatchObject({ status: 404 })
	})
})
