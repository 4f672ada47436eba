/**
 * The run engine's node kinds and its reruns, on PGlite and (with DATABASE_URL) Postgres with the job engine and
 * the offline provider: each built-in template runs to completion; transcribe, vision, image edit and mix nodes
 * make library items linked to the run's node, with their provider usage recorded; "run again from here" makes a
 * new run that reuses the outputs upstream and runs the node and what depends on it again.
 */
import { describe, expect, test } from 'vitest'
import type { NodeRun, Run } from '#server/domain/workflows/runs.ts'
import { WORKFLOW_TEMPLATES } from '#server/domain/workflows/templates.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { finishedImage } from '#tests/support/generations.ts'
import { edge, saveWorkflow, settleRun, startRun, wires } from '#tests/support/workflows.ts'
import { useTestServices } from '#tests/support/suite-services.ts'

const byNode = (run: Run): Record<string, NodeRun> => Object.fromEntries(run.nodes.map(n => [n.nodeId, n]))

describe.each(testDrivers())('the workflow engine on %s', driver => {
	const t = useTestServices(driver, { env: { RATE_LIMITS: 'generation=1000/60, mixdown=1000/60' } })

	const usage = async (userId: string) =>
		(
			await t.services.db.privileged(tx =>
				tx.query<{ capability: string; generation_id: string | null }>(
					'select capability, generation_id from api_usage where user_id = $1',
					[userId],
				),
			)
		).rows

	test.each(WORKFLOW_TEMPLATES.map(template => [template.name, template] as const))(
		'the template “%s” runs to completion on the offline models',
		async (_, template) => {
			const user = await createUser(t.services.db)
			const id = await saveWorkflow(t.services, user.id, structuredClone(template.definition), template.name)
			const run = await settleRun(t.services, user.id, await startRun(t.services, user.id, id), 120_000)
			expect(
				run.nodes.filter(n => n.status !== 'succeeded').map(n => [n.nodeId, n.error]),
				template.name,
			).toEqual([])
			expect(run.status).toBe('succeeded')
			// Every node that made something links a finished library item of the user's.
			for (const n of run.nodes) {
				if (!n.generationId) continue
				const item = await t.services.generations.get(user, n.generationId)
				expect(item, `${n.nodeId}`).toMatchObject({ status: 'succeeded' })
			}
		},
		180_000,
	)

	test('transcribe, vision and chat keep their text as library items with their usage; mix makes one track', async () => {
		const user = await createUser(t.services.db)
		const definition = {
			version: 1,
			nodes: [
				{ id: 'words', name: 'Words', kind: 'text', value: 'Harbour lights at dusk' },
				{ id: 'say', name: 'Say it', kind: 'speech', model: 'offline:speech' },
				{ id: 'bed', name: 'Bed', kind: 'music', model: 'offline:music', durationSeconds: 3 },
				{ id: 'mix', name: 'Mix', kind: 'mix' },
				{ id: 'hear', name: 'Hear it', kind: 'transcribe', model: 'offline:transcribe' },
				{ id: 'pic', name: 'Picture', kind: 'image', model: 'offline:image' },
				{ id: 'edit', name: 'Edit', kind: 'imageEdit', model: 'offline:image' },
				{ id: 'look', name: 'Look', kind: 'vision', model: 'offline:chat', question: 'What is in it?' },
			],
			edges: wires(
				'words.text>say.text words.text>bed.prompt say.audio>mix.tracks',
				'bed.audio>mix.tracks mix.audio>hear.audio words.text>pic.prompt',
				'pic.image>edit.image words.text>edit.prompt',
				'edit.image>look.image',
			),
		}
		const id = await saveWorkflow(t.services, user.id, definition)
		const runId = await startRun(t.services, user.id, id)
		const run = await settleRun(t.services, user.id, runId, 120_000)
		const node = byNode(run)
		expect(run.nodes.filter(n => n.status !== 'succeeded').map(n => [n.nodeId, n.error])).toEqual([])

		const mix = await t.services.generations.get(user, node.mix?.generationId ?? '')
		if ('refused' in mix) throw new Error(mix.message)
		expect(mix).toMatchObject({ kind: 'audio', model: 'offline:mixdown', status: 'succeeded' })
		expect(mix.outputs.map(o => o.contentType)).toContain('audio/wav')
		const tracks = (mix.params.document as { tracks: Array<{ clips: Array<{ generationId: string }> }> }).tracks
		expect(tracks.map(t => t.clips[0]?.generationId)).toEqual([node.say?.generationId, node.bed?.generationId])

		const edited = await t.services.generations.get(user, node.edit?.generationId ?? '')
		expect(edited).toMatchObject({ kind: 'image', status: 'succeeded', parentId: node.pic?.generationId })

		for (const [nodeId, capability, parent] of [
			['hear', 'transcribe', node.mix?.generationId],
			['look', 'vision', node.edit?.generationId],
		] as const) {
			const n = node[nodeId]
			expect(n?.output).toMatchObject({ type: 'text', text: expect.stringMatching(/\S/) })
			const item = await t.services.generations.get(user, n?.generationId ?? '')
			expect(item, nodeId).toMatchObject({
				kind: 'text',
				status: 'succeeded',
				parentId: parent,
				params: { source: 'workflow', runId, nodeId, text: n?.output?.type === 'text' ? n.output.text : null },
			})
			expect(await usage(user.id)).toContainEqual({ capability, generation_id: n?.generationId })
		}
		// One usage row per text node: the chat-like calls are recorded once.
		expect((await usage(user.id)).filter(u => u.capability === 'transcribe' || u.capability === 'vision')).toHaveLength(
			2,
		)
	}, 180_000)

	test('run again from here: a new run reuses the outputs upstream and reruns the node and what depends on it', async () => {
		const user = await createUser(t.services.db)
		const definition = {
			version: 1,
			nodes: [
				{ id: 'topic', name: 'Topic', kind: 'text', value: 'tide pools' },
				{ id: 'ask', name: 'Ask', kind: 'template', template: 'Two lines about {{topic}}.' },
				{ id: 'post', name: 'Post', kind: 'chat', model: 'offline:chat' },
				{ id: 'art', name: 'Art', kind: 'template', template: 'A watercolour of {{topic}}' },
				{ id: 'pic', name: 'Picture', kind: 'image', model: 'offline:image' },
				{ id: 'big', name: 'Bigger', kind: 'upscale', model: 'offline:image' },
				{ id: 'out', name: 'Result', kind: 'collect' },
			],
			edges: wires(
				'topic.text>ask.topic ask.text>post.prompt topic.text>art.topic',
				'art.text>pic.prompt pic.image>big.image post.text>out.items',
				'big.image>out.items',
			),
		}
		const id = await saveWorkflow(t.services, user.id, definition)
		const firstId = await startRun(t.services, user.id, id)
		const first = byNode(await settleRun(t.services, user.id, firstId))

		const again = await t.services.workflows.runs.rerun(user, firstId, 'pic')
		if ('refused' in again) throw new Error(again.message)
		expect(again.runId).not.toBe(firstId)
		const second = await settleRun(t.services, user.id, again.runId)
		expect(second).toMatchObject({ status: 'succeeded', rerunOf: firstId, rerunFrom: 'pic' })
		const node = byNode(second)
		for (const reused of ['topic', 'ask', 'post', 'art']) {
			expect(node[reused], reused).toMatchObject({
				status: 'succeeded',
				reused: true,
				costMicros: 0,
				output: first[reused]?.output,
				generationId: first[reused]?.generationId ?? null,
			})
		}
		for (const ran of ['pic', 'big', 'out']) {
			expect(node[ran], ran).toMatchObject({ status: 'succeeded', reused: false })
			expect(node[ran]?.startedAt?.getTime()).toBeGreaterThanOrEqual(second.createdAt.getTime())
		}
		expect(node.pic?.generationId).not.toBe(first.pic?.generationId)
		expect(node.big?.generationId).not.toBe(first.big?.generationId)
		// The earlier run is as it was.
		const before = await t.services.workflows.runs.get(user, firstId)
		if ('refused' in before) throw new Error(before.message)
		expect(byNode(before).pic?.generationId).toBe(first.pic?.generationId)

		// Edited upstream (the chat's prompt), a rerun from the picture also reruns the edited node and its dependants.
		const edited = structuredClone(definition)
		const ask = edited.nodes.find(n => n.id === 'ask')
		if (ask) ask.template = 'Three lines about {{topic}}.'
		const saved = await t.services.workflows.library.edit(user, id, { op: 'replace', definition: edited })
		if ('refused' in saved) throw new Error(saved.message)
		const third = await t.services.workflows.runs.rerun(user, again.runId, 'pic')
		if ('refused' in third) throw new Error(third.message)
		const thirdNodes = byNode(await settleRun(t.services, user.id, third.runId))
		expect(Object.values(thirdNodes).map(n => [n.nodeId, n.reused])).toEqual([
			['topic', true],
			['ask', false],
			['post', false],
			['art', true],
			['pic', false],
			['big', false],
			['out', false],
		])
		expect(thirdNodes.ask?.output).toEqual({ type: 'text', text: 'Three lines about tide pools.' })

		// Another person cannot rerun it; a step that is not in the workflow is not found.
		const other = await createUser(t.services.db)
		expect(await t.services.workflows.runs.rerun(other, firstId, 'pic')).toMatchObject({ status: 404 })
		expect(await t.services.workflows.runs.rerun(user, firstId, 'nope')).toMatchObject({ status: 404 })
	}, 120_000)

	test('a run still going cannot be rerun', async () => {
		const user = await createUser(t.services.db)
		const source = await finishedImage(t.services, user, 'a gull')
		const id = await saveWorkflow(t.services, user.id, {
			version: 1,
			nodes: [
				{ id: 'gull', name: 'Gull', kind: 'library', media: 'image', generationId: source.id },
				{ id: 'big', name: 'Bigger', kind: 'upscale', model: 'offline:image' },
			],
			edges: [edge('gull', 'image', 'big', 'image')],
		})
		const runId = await startRun(t.services, user.id, id)
		expect(await t.services.workflows.runs.rerun(user, runId, 'big')).toMatchObject({ status: 409, code: 'run_active' })
		const done = await settleRun(t.services, user.id, runId)
		expect(byNode(done).gull?.output).toEqual({ type: 'image', generationId: source.id })
	})
})
