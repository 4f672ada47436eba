/**
 * Workflow validation: each kind of problem is found and named after its node, and a workflow with several
 * problems lists them all at once.
 */
import { describe, expect, test } from 'vitest'
import { DEFAULT_CATALOGUE } from '#server/providers/catalogue.ts'
import { fillTemplate, templateSlots, type WorkflowDefinition } from '#server/domain/workflows/schema.ts'
import { validateWorkflow, type WorkflowProblem } from '#server/domain/workflows/validate.ts'
import { edge, wires } from '#tests/support/workflows.ts'

type Json = Record<string, unknown>
/** A blog post with a header image: topic → template → chat → (template → image). */
function blogPost(): { version: number; nodes: Json[]; edges: Json[] } {
	return {
		version: 1,
		nodes: [
			{ id: 'topic', name: 'Topic', kind: 'text', value: 'Tide pools' },
			{ id: 'ask', name: 'Ask', kind: 'template', template: 'Write a short post about {{topic}}.' },
			{ id: 'post', name: 'Post', kind: 'chat', model: 'offline:chat' },
			{ id: 'art', name: 'Header prompt', kind: 'template', template: 'A header image for: {{post}}' },
			{ id: 'header', name: 'Header image', kind: 'image', model: 'offline:image', n: 1 },
			{ id: 'result', name: 'Result', kind: 'collect' },
		],
		edges: wires(
			'topic.text>ask.topic ask.text>post.prompt post.text>art.post',
			'art.text>header.prompt post.text>result.items',
			'header.image>result.items',
		),
	}
}

/** A problem as validation reports it: its code, the node it is about (id and name) and what it says. */
const problem = (code: string, nodeId: string, node: string, message: string) => ({ code, nodeId, node, message })

function problems(input: unknown): WorkflowProblem[] {
	const result = validateWorkflow(input, DEFAULT_CATALOGUE)
	if (result.ok) throw new Error('expected problems, the workflow was valid')
	return result.problems
}

describe('workflow validation', () => {
	test('a valid workflow passes, with an order where every node follows its inputs', () => {
		const result = validateWorkflow(blogPost(), DEFAULT_CATALOGUE)
		if (!result.ok) throw new Error(JSON.stringify(result.problems))
		expect(result.order).toHaveLength(6)
		const at = (id: string) => result.order.indexOf(id)
		for (const e of (result.definition as WorkflowDefinition).edges) expect(at(e.from.node)).toBeLessThan(at(e.to.node))
	})

	test('template slots become required text inputs and are filled by name', () => {
		expect(templateSlots('{{a}} and {{ b }} and {{a}}')).toEqual(['a', 'b'])
		expect(fillTemplate('{{a}} and {{ b }}', { a: 'x' })).toBe('x and ')
	})

	test('an unknown field is reported on the node, the edge and the workflow', () => {
		const w = blogPost()
		;(w.nodes[2] as Json).colour = 'blue'
		;(w.edges[0] as Json).weight = 3
		;(w as Json).author = 'me'
		const found = problems(w)
		expect(found).toContainEqual(
			expect.objectContaining({
				code: 'unknown_field',
				node: 'Post',
				nodeId: 'post',
				message: 'Unknown field “colour”.',
			}),
		)
		expect(found).toContainEqual(
			expect.objectContaining({ code: 'unknown_field', node: null, message: 'Edge 1: Unknown field “weight”.' }),
		)
		expect(found).toContainEqual(
			expect.objectContaining({ code: 'unknown_field', node: null, message: 'Unknown field “author”.' }),
		)
	})

	test('a bad value and an unknown kind are reported with the node name', () => {
		const w = blogPost()
		;(w.nodes[4] as Json).n = 9
		w.nodes.push({ id: 'odd', name: 'Oddity', kind: 'teleport' })
		const found = problems(w)
		expect(found).toContainEqual(
			expect.objectContaining({
				code: 'invalid',
				node: 'Header image',
				message: 'n: The number of images must be at most 4.',
			}),
		)
		expect(found).toContainEqual(expect.objectContaining({ code: 'invalid', node: 'Oddity' }))
	})

	test('a port type mismatch names both ports and their types', () => {
		const w = blogPost()
		w.nodes.push({ id: 'voice', name: 'Voice', kind: 'speech', model: 'offline:speech' })
		w.edges.push(edge('header', 'image', 'voice', 'text'))
		expect(problems(w)).toEqual([
			problem(
				'port_type',
				'voice',
				'Voice',
				'Voice’s input “text” takes text, but Header image’s “image” gives image.',
			),
			// The mismatched edge is not kept, so the input is also still unconnected.
			problem('unconnected', 'voice', 'Voice', 'Voice needs its “text” input connected.'),
		])
	})

	test('a required input left unconnected, including a template slot', () => {
		const w = blogPost()
		w.edges = w.edges.filter(e => (e.to as { node: string }).node !== 'ask')
		expect(problems(w)).toEqual([problem('unconnected', 'ask', 'Ask', 'Ask needs its “topic” input connected.')])
	})

	test('a model without the capability, an unknown model and an unavailable one', () => {
		const w = blogPost()
		;(w.nodes[2] as Json).model = 'offline:image'
		;(w.nodes[4] as Json).model = 'nobody:nothing'
		expect(problems(w)).toEqual([
			problem('capability', 'post', 'Post', 'Offline demo images cannot chat; pick another model.'),
			problem('unknown_model', 'header', 'Header image', 'There is no model called nobody:nothing.'),
		])
		const unavailable = DEFAULT_CATALOGUE.map(m => ({ ...m, available: m.provider === 'offline' }))
		const paid = blogPost()
		;(paid.nodes[4] as Json).model = 'openai:gpt-image-1'
		const result = validateWorkflow(paid, unavailable)
		expect(result.ok ? [] : result.problems).toEqual([
			problem(
				'unavailable',
				'header',
				'Header image',
				'GPT Image 1 is not available on this server; pick another model.',
			),
		])
	})

	test('cycles are found, a self-loop too, and nodes downstream of a cycle are not blamed', () => {
		const w = blogPost()
		// Post → Header prompt → Post: replace Post's prompt edge with one from the header prompt.
		w.edges = w.edges.filter(e => (e.to as { node: string }).node !== 'post')
		w.edges.push(edge('art', 'text', 'post', 'prompt'))
		w.nodes.push({ id: 'echo', name: 'Echo', kind: 'template', template: '{{again}}' })
		w.edges.push(edge('echo', 'text', 'echo', 'again'))
		const found = problems(w).filter(p => p.code === 'cycle')
		expect(found).toEqual([
			problem('cycle', 'post', 'Post', 'These nodes form a cycle: Post → Header prompt.'),
			problem('cycle', 'echo', 'Echo', 'Echo takes its own output.'),
		])
		// Ask now feeds nothing, which is allowed; Header image is downstream of the cycle and is not blamed.
		expect(problems(w).map(p => p.code)).toEqual(['cycle', 'cycle'])
	})

	test('unknown nodes and ports, duplicate ids, two edges into a single input', () => {
		const w = blogPost()
		w.nodes.push({ id: 'topic', name: 'Topic again', kind: 'text', value: '' })
		w.edges.push(edge('ghost', 'text', 'post', 'system'))
		w.edges.push(edge('post', 'sound', 'result', 'items'))
		w.edges.push(edge('topic', 'text', 'header', 'negative'))
		w.edges.push(edge('topic', 'text', 'post', 'prompt'))
		expect(problems(w)).toEqual([
			problem('duplicate_id', 'topic', 'Topic again', 'Another node already has the id “topic”.'),
			problem('unknown_node', 'post', 'Post', 'Edge 7 refers to a node “ghost” that is not in this workflow.'),
			problem('unknown_port', 'post', 'Post', 'Post has no output “sound”.'),
			problem('unknown_port', 'header', 'Header image', 'Header image has no input “negative”.'),
			problem('too_many_inputs', 'post', 'Post', 'Post’s input “prompt” takes one connection.'),
		])
	})

	test('every problem is listed at once, each with its node', () => {
		const w = blogPost()
		;(w.nodes[0] as Json).colour = 'red' // unknown field on Topic (Ask, which it feeds, is not blamed)
		;(w.nodes[2] as Json).model = 'offline:music' // Post cannot chat
		w.nodes.push({ id: 'say', name: 'Say it', kind: 'speech', model: 'offline:speech' }) // unconnected
		w.edges.push(edge('header', 'image', 'result', 'items'))
		w.nodes.push({ id: 'clip', name: 'Clip', kind: 'video', model: 'offline:video' })
		w.edges.push(edge('post', 'text', 'clip', 'image')) // type mismatch
		w.edges.push(edge('ask', 'text', 'clip', 'prompt'))
		const found = problems(w)
		expect(found.map(p => [p.code, p.node])).toEqual([
			['unknown_field', 'Topic'],
			['capability', 'Post'],
			['port_type', 'Clip'],
			['unconnected', 'Say it'],
			['unconnected', 'Clip'],
		])
	})

	test('not an object, a wrong version, no nodes', () => {
		expect(problems('nope')).toEqual([
			{ code: 'invalid', nodeId: null, node: null, message: 'A workflow is an object with version, nodes and edges.' },
		])
		expect(problems({ version: 2, nodes: [], edges: [] }).map(p => p.code)).toEqual(['invalid', 'empty'])
	})
})
