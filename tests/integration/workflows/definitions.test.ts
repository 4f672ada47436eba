/**
 * Templates and library references on PGlite and (with DATABASE_URL) Postgres: the five built-in templates are
 * valid and can be copied, and every way a definition gets saved or run — import, a new draft, an editing step,
 * the whole definition replaced, `create`, a run's start — refuses a library node that points at an item that is
 * not the user's own finished item of that media.
 */
import { describe, expect, test } from 'vitest'
import { WORKFLOW_TEMPLATES } from '#server/domain/workflows/templates.ts'
import { validateWorkflow } from '#server/domain/workflows/validate.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { finishedImage } from '#tests/support/generations.ts'
import { edge } from '#tests/support/workflows.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

const NOT_YOURS = 'That library item does not exist, or it is not yours.'

const fromLibrary = (generationId: string, media = 'image') => ({
	version: 1,
	nodes: [
		{ id: 'photo', name: 'Photo', kind: 'library', media, generationId },
		{ id: 'look', name: 'Look', kind: 'vision', model: 'offline:chat' },
	],
	edges: media === 'image' ? [edge('photo', 'image', 'look', 'image')] : [],
})

describe.each(testDrivers())('workflow templates and library references on %s', driver => {
	const t = useTestServices(driver, { env: { RATE_LIMITS: 'generation=1000/60' } })

	/** A finished image of `userId`'s, to point a library node at. */
	async function image(userId: string): Promise<string> {
		return (await finishedImage(t.services, { id: userId }, 'a shell')).id
	}

	const workflowCount = async (userId: string) =>
		(
			await t.services.db.privileged(tx =>
				tx.query<{ n: number }>('select count(*)::int as n from workflows where user_id = $1', [userId]),
			)
		).rows[0]?.n

	test('the five templates are valid against the shipped catalogue and can be copied', async () => {
		expect(WORKFLOW_TEMPLATES.map(template => template.name)).toEqual([
			'Blog post with a header image',
			'Storyboard: a script into four images and a video',
			'Podcast intro: script → speech → music bed mixed',
			'Transcribe and summarise a recording',
			'Product shot → three variations → upscale the best',
		])
		expect(t.services.workflows.templates).toBe(WORKFLOW_TEMPLATES)
		for (const template of WORKFLOW_TEMPLATES) {
			const valid = validateWorkflow(structuredClone(template.definition), t.services.providers.list())
			expect(valid.ok ? [] : valid.problems, template.name).toEqual([])
		}
		const user = await createUser(t.services.db)
		const copy = await t.services.workflows.createFromTemplate(user, 'podcast-intro')
		if ('refused' in copy) throw new Error(copy.message)
		expect(await t.services.workflows.library.get(user, copy.id)).toMatchObject({
			name: 'Podcast intro: script → speech → music bed mixed',
			definition: WORKFLOW_TEMPLATES[2]?.definition,
		})
		expect(await t.services.workflows.createFromTemplate(user, 'nope')).toMatchObject({ status: 404 })
	})

	test('import, drafts, edits, create and start refuse a library node pointing at an item that is not the user’s', async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const theirs = await image(other.id)
		const mine = await image(owner.id)
		const lib = t.services.workflows.library
		const file = { format: 'generation-studio.workflow', version: 1, name: 'Borrowed', definition: fromLibrary(theirs) }
		const refusal = { status: 422, code: 'invalid_workflow', fields: { photo: [NOT_YOURS] } }

		expect(await lib.importFile(owner, file)).toMatchObject(refusal)
		expect(await lib.importFile(owner, fromLibrary(theirs))).toMatchObject(refusal)
		// An id that exists nowhere, and the user's own item named as the wrong media, are refused the same way.
		expect(await lib.importFile(owner, fromLibrary('00000000-0000-4000-8000-000000000000'))).toMatchObject(refusal)
		expect(await lib.importFile(owner, fromLibrary(mine, 'audio'))).toMatchObject(refusal)
		expect(await lib.createDraft(owner, 'Borrowed', fromLibrary(theirs))).toMatchObject(refusal)
		expect(await t.services.workflows.create(owner, 'Borrowed', fromLibrary(theirs))).toMatchObject(refusal)
		expect(await workflowCount(owner.id)).toBe(0)

		// The user's own item is accepted; pointing it elsewhere, by a step or the whole definition, is refused.
		const ok = await lib.importFile(owner, { ...file, definition: fromLibrary(mine) })
		if ('refused' in ok) throw new Error(ok.message)
		expect(
			await lib.edit(owner, ok.id, {
				op: 'update',
				nodeId: 'photo',
				form: { name: 'Photo', fields: { media: 'image', generationId: theirs }, inputs: {} },
			}),
		).toMatchObject(refusal)
		expect(await lib.edit(owner, ok.id, { op: 'replace', definition: fromLibrary(theirs) })).toMatchObject(refusal)
		expect(await lib.get(owner, ok.id)).toMatchObject({ definition: fromLibrary(mine) })

		// A definition changed behind the domain's back is still refused when a run starts, before anything runs.
		await t.services.db.privileged(tx =>
			tx.query('update workflows set definition = $2 where id = $1', [ok.id, JSON.stringify(fromLibrary(theirs))]),
		)
		expect(await t.services.workflows.runs.start(owner, ok.id)).toMatchObject(refusal)
		const runs = await t.services.db.privileged(tx =>
			tx.query<{ n: number }>('select count(*)::int as n from workflow_runs where user_id = $1', [owner.id]),
		)
		expect(runs.rows[0]?.n).toBe(0)
	})

	test('a whole-definition save made from a version another tab has replaced is refused (409), and changes nothing', async () => {
		const owner = await createUser(t.services.db)
		const lib = t.services.workflows.library
		const made = await lib.importFile(owner, {
			format: 'generation-studio.workflow',
			version: 1,
			name: 'Two tabs',
			definition: { version: 1, nodes: [{ id: 'a', name: 'A', kind: 'text', value: 'one' }], edges: [] },
		})
		if ('refused' in made) throw new Error(made.message)
		const opened = await lib.get(owner, made.id)
		if ('refused' in opened) throw new Error(opened.message)
		const read = opened.updatedAt.toISOString()
		const text = (value: string) => ({
			version: 1,
			nodes: [{ id: 'a', name: 'A', kind: 'text', value }],
			edges: [],
		})

		// Tab one saves from the version it read: accepted, and it learns the new version.
		const first = await lib.edit(owner, made.id, { op: 'replace', definition: text('two'), base: read })
		if ('refused' in first) throw new Error(first.message)
		expect(first.updatedAt.getTime()).toBeGreaterThan(opened.updatedAt.getTime())
		// Tab two still holds the version both read: refused, and tab one's change stays.
		expect(await lib.edit(owner, made.id, { op: 'replace', definition: text('three'), base: read })).toMatchObject({
			refused: true,
			status: 409,
		})
		expect(await lib.get(owner, made.id)).toMatchObject({ definition: text('two') })
		// From the version the first save produced, the next save goes through.
		const next = await lib.edit(owner, made.id, {
			op: 'replace',
			definition: text('four'),
			base: first.updatedAt.toISOString(),
		})
		expect(next).toMatchObject({ definition: text('four') })
	})
})
