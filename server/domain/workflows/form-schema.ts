/**
 * The workflow pages' forms, read with valibot into the editing steps of library.ts. A node's form posts its
 * fields as `f.<field>` and each input port's choices as `in.<port>.<i>` (one value per field, so a port that
 * takes several edges has several selects). The canvas posts the whole definition as JSON in `definition`.
 */
import * as v from 'valibot'
import type { Edit } from './library.ts'
import { NODE_KINDS } from './schema.ts'

const nodeId = v.pipe(
	v.string('Which node?'),
	v.regex(/^[a-z][a-z0-9_-]{0,39}$/, 'That is not a node of this workflow.'),
)
const MAX_JSON = 2 * 1024 * 1024

export const EditorFormSchema = v.pipe(
	v.variant(
		'intent',
		[
			v.object({ intent: v.literal('add'), kind: v.picklist(NODE_KINDS, 'Pick a kind of node to add.') }),
			v.looseObject({ intent: v.literal('update'), nodeId, name: v.optional(v.string(), '') }),
			v.object({ intent: v.literal('remove'), nodeId }),
			v.object({ intent: v.picklist(['move-up', 'move-down']), nodeId }),
			v.object({
				intent: v.literal('rename'),
				name: v.pipe(
					v.string('Give the workflow a name.'),
					v.trim(),
					v.nonEmpty('Give the workflow a name.'),
					v.maxLength(200, 'Keep the name under 200 characters.'),
				),
			}),
			v.object({
				intent: v.literal('definition'),
				base: v.optional(v.pipe(v.string(), v.isoTimestamp('That is not a time the editor read.'))),
				definition: v.pipe(
					v.string('Send the workflow as JSON.'),
					v.maxLength(MAX_JSON, 'That workflow is too large.'),
					v.rawTransform(({ dataset, addIssue, NEVER }) => {
						try {
							return JSON.parse(dataset.value) as unknown
						} catch {
							addIssue({ message: 'That is not JSON.' })
							return NEVER
						}
					}),
				),
			}),
			v.object({ intent: v.literal('run') }),
			v.object({ intent: v.literal('delete') }),
			v.object({ intent: v.literal('duplicate') }),
		],
		'Unknown action.',
	),
	v.transform((input): Edit | { op: 'run' } | { op: 'delete' } | { op: 'duplicate' } => {
		switch (input.intent) {
			case 'add':
				return { op: 'add', kind: input.kind }
			case 'remove':
				return { op: 'remove', nodeId: input.nodeId }
			case 'move-up':
			case 'move-down':
				return { op: 'move', nodeId: input.nodeId, direction: input.intent === 'move-up' ? 'up' : 'down' }
			case 'rename':
				return { op: 'rename', name: input.name }
			case 'definition':
				return { op: 'replace', definition: input.definition, base: input.base }
			case 'run':
				return { op: 'run' }
			case 'delete':
				return { op: 'delete' }
			case 'duplicate':
				return { op: 'duplicate' }
			case 'update': {
				const fields: Record<string, string> = {}
				const inputs: Record<string, string[]> = {}
				let model: string | undefined
				for (const [key, value] of Object.entries(input)) {
					if (typeof value !== 'string') continue
					if (key === 'model') model = value
					else if (key.startsWith('f.')) fields[key.slice(2)] = value
					else if (key.startsWith('in.')) {
						const port = key.slice(3).replace(/\.\d+$/, '')
						;(inputs[port] ??= []).push(value)
					}
				}
				return {
					op: 'update',
					nodeId: input.nodeId,
					form: { name: input.name, ...(model !== undefined ? { model } : {}), fields, inputs },
				}
			}
		}
	}),
)

/** The list page's forms: a new empty workflow, one from a template, an import (file or pasted JSON). */
export const ListFormSchema = v.variant(
	'intent',
	[
		v.object({
			intent: v.literal('create'),
			name: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'Keep the name under 200 characters.')), ''),
		}),
		v.object({ intent: v.literal('template'), template: v.pipe(v.string('Pick a template.'), v.maxLength(80)) }),
		v.object({ intent: v.literal('import'), json: v.optional(v.pipe(v.string(), v.maxLength(MAX_JSON)), '') }),
		v.object({ intent: v.literal('duplicate'), id: v.pipe(v.string(), v.uuid('That workflow does not exist.')) }),
		v.object({ intent: v.literal('delete'), id: v.pipe(v.string(), v.uuid('That workflow does not exist.')) }),
	],
	'Unknown action.',
)

/** The run page's one form. */
export const RunFormSchema = v.object({ intent: v.literal('cancel', 'Unknown action.') })
