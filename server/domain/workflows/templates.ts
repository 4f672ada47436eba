/**
 * Built-in workflow templates: what the studio offers to start from on `/workflows`. Each is an ordinary
 * definition (the one schema, validated like any other) using the offline models, so it runs to completion on a
 * fresh install; a person swaps the models and the inputs for their own after copying it. Browser-safe: it
 * imports only the schema.
 */
import type { WorkflowDefinition, WorkflowEdge, WorkflowNode } from './schema.ts'
import { WORKFLOW_VERSION } from './schema.ts'

export type WorkflowTemplate = {
	/** Stable, URL-safe: `/workflows/new?template=blog-post`. */
	id: string
	name: string
	description: string
	definition: WorkflowDefinition
}

const edge = (from: string, fromPort: string, to: string, toPort: string): WorkflowEdge => ({
	from: { node: from, port: fromPort },
	to: { node: to, port: toPort },
})

const definition = (nodes: WorkflowNode[], edges: WorkflowEdge[]): WorkflowDefinition => ({
	version: WORKFLOW_VERSION,
	nodes,
	edges,
})

/**
 * The step most templates take: a prompt (node `ask`) filled from the text of `input` as `{{port}}`, and an offline
 * chat reply to it. Its nodes and edges, to spread where they stand in the definition.
 */
function askAndReply(
	input: string,
	port: string,
	ask: { name: string; template: string },
	reply: { id: string; name: string; maxTokens: number },
): { nodes: WorkflowNode[]; edges: WorkflowEdge[] } {
	return {
		nodes: [
			{ id: 'ask', name: ask.name, kind: 'template', template: ask.template },
			{ id: reply.id, name: reply.name, kind: 'chat', model: 'offline:chat', maxTokens: reply.maxTokens },
		],
		edges: [edge(input, 'text', 'ask', port), edge('ask', 'text', reply.id, 'prompt')],
	}
}

const postStep = askAndReply(
	'topic',
	'topic',
	{ name: 'Ask for the post', template: 'Write a short blog post (three paragraphs) about: {{topic}}' },
	{ id: 'post', name: 'Blog post', maxTokens: 800 },
)

const blogPost: WorkflowTemplate = {
	id: 'blog-post',
	name: 'Blog post with a header image',
	description: 'A topic becomes a short blog post and a header image drawn from the same topic.',
	definition: definition(
		[
			{ id: 'topic', name: 'Topic', kind: 'text', value: 'Why tide pools are worth a morning' },
			...postStep.nodes,
			{
				id: 'art',
				name: 'Header prompt',
				kind: 'template',
				template: 'A wide editorial header illustration for a blog post about {{topic}}, soft light',
			},
			{ id: 'header', name: 'Header image', kind: 'image', model: 'offline:image', size: '1536x1024' },
			{ id: 'result', name: 'Post and image', kind: 'collect' },
		],
		[
			...postStep.edges,
			edge('topic', 'text', 'art', 'topic'),
			edge('art', 'text', 'header', 'prompt'),
			edge('post', 'text', 'result', 'items'),
			edge('header', 'image', 'result', 'items'),
		],
	),
}

const SHOTS = [1, 2, 3, 4] as const

const scriptStep = askAndReply(
	'idea',
	'idea',
	{ name: 'Ask for a script', template: 'Write a four-shot storyboard script, one line per shot, for: {{idea}}' },
	{ id: 'script', name: 'Script', maxTokens: 400 },
)

const storyboard: WorkflowTemplate = {
	id: 'storyboard',
	name: 'Storyboard: a script into four images and a video',
	description: 'A one-line idea becomes a four-shot script, one image per shot, and a clip from the first shot.',
	definition: definition(
		[
			{ id: 'idea', name: 'Idea', kind: 'text', value: 'A lighthouse keeper finds a message in a bottle' },
			...scriptStep.nodes,
			...SHOTS.flatMap((i): WorkflowNode[] => [
				{
					id: `prompt${i}`,
					name: `Shot ${i} prompt`,
					kind: 'template',
					template: `Storyboard frame, shot ${i} of 4, of this script: {{script}}`,
				},
				{ id: `shot${i}`, name: `Shot ${i}`, kind: 'image', model: 'offline:image', size: '1536x1024' },
			]),
			{ id: 'motion', name: 'Motion prompt', kind: 'template', template: 'Slow push in. {{idea}}' },
			{ id: 'clip', name: 'Opening clip', kind: 'video', model: 'offline:video', durationSeconds: 5 },
			{ id: 'result', name: 'Storyboard', kind: 'collect' },
		],
		[
			...scriptStep.edges,
			...SHOTS.flatMap(i => [
				edge('script', 'text', `prompt${i}`, 'script'),
				edge(`prompt${i}`, 'text', `shot${i}`, 'prompt'),
			]),
			edge('idea', 'text', 'motion', 'idea'),
			edge('shot1', 'image', 'clip', 'image'),
			edge('motion', 'text', 'clip', 'prompt'),
			edge('script', 'text', 'result', 'items'),
			...SHOTS.map(i => edge(`shot${i}`, 'image', 'result', 'items')),
			edge('clip', 'video', 'result', 'items'),
		],
	),
}

const introStep = askAndReply(
	'show',
	'show',
	{ name: 'Ask for an intro', template: 'Write a warm two-sentence spoken intro for the podcast {{show}}.' },
	{ id: 'script', name: 'Intro script', maxTokens: 200 },
)

const podcastIntro: WorkflowTemplate = {
	id: 'podcast-intro',
	name: 'Podcast intro: script → speech → music bed mixed',
	description: 'A show and an episode become a spoken intro over a music bed, mixed into one track.',
	definition: definition(
		[
			{ id: 'show', name: 'Show and episode', kind: 'text', value: 'Small Harbours, episode 12: the night ferry' },
			...introStep.nodes,
			{ id: 'voice', name: 'Spoken intro', kind: 'speech', model: 'offline:speech' },
			{ id: 'bed', name: 'Music bed', kind: 'music', model: 'offline:music', durationSeconds: 12 },
			{ id: 'mix', name: 'Intro mix', kind: 'mix' },
		],
		[
			...introStep.edges,
			edge('script', 'text', 'voice', 'text'),
			edge('ask', 'text', 'bed', 'prompt'),
			edge('voice', 'audio', 'mix', 'tracks'),
			edge('bed', 'audio', 'mix', 'tracks'),
		],
	),
}

const summaryStep = askAndReply(
	'transcript',
	'transcript',
	{ name: 'Ask for a summary', template: 'Summarise this recording in three bullet points:\n\n{{transcript}}' },
	{ id: 'summary', name: 'Summary', maxTokens: 300 },
)

const transcribeSummarise: WorkflowTemplate = {
	id: 'transcribe-summarise',
	name: 'Transcribe and summarise a recording',
	description:
		'A recording becomes a transcript and a short summary. It starts from a spoken sample: replace it with a recording from your library.',
	definition: definition(
		[
			{
				id: 'sample',
				name: 'Sample text',
				kind: 'text',
				value: 'Welcome to the weekly meeting. We agreed to ship on Friday and to review the budget next week.',
			},
			{ id: 'recording', name: 'Recording', kind: 'speech', model: 'offline:speech' },
			{ id: 'transcript', name: 'Transcript', kind: 'transcribe', model: 'offline:transcribe' },
			...summaryStep.nodes,
			{ id: 'result', name: 'Transcript and summary', kind: 'collect' },
		],
		[
			edge('sample', 'text', 'recording', 'text'),
			edge('recording', 'audio', 'transcript', 'audio'),
			...summaryStep.edges,
			edge('transcript', 'text', 'result', 'items'),
			edge('summary', 'text', 'result', 'items'),
		],
	),
}

const VARIATIONS = [1, 2, 3] as const

const productShot: WorkflowTemplate = {
	id: 'product-shot',
	name: 'Product shot → three variations → upscale the best',
	description:
		'A product shot, three variations of it, a critique of the shot, and an upscale of the variation you connect to it (the first, to begin with).',
	definition: definition(
		[
			{
				id: 'brief',
				name: 'Product',
				kind: 'text',
				value: 'A ceramic pour-over coffee dripper on a walnut counter, studio light',
			},
			{ id: 'shot', name: 'Product shot', kind: 'image', model: 'offline:image' },
			...VARIATIONS.map(
				(i): WorkflowNode => ({
					id: `var${i}`,
					name: `Variation ${i}`,
					kind: 'variation',
					model: 'offline:image',
				}),
			),
			{
				id: 'critique',
				name: 'Critique',
				kind: 'vision',
				model: 'offline:chat',
				question: 'What would make this product shot stronger?',
			},
			{ id: 'best', name: 'Upscale the best', kind: 'upscale', model: 'offline:image', scale: 2 },
			{ id: 'result', name: 'Shots', kind: 'collect' },
		],
		[
			edge('brief', 'text', 'shot', 'prompt'),
			...VARIATIONS.map(i => edge('shot', 'image', `var${i}`, 'image')),
			edge('shot', 'image', 'critique', 'image'),
			edge('var1', 'image', 'best', 'image'),
			...VARIATIONS.map(i => edge(`var${i}`, 'image', 'result', 'items')),
			edge('critique', 'text', 'result', 'items'),
			edge('best', 'image', 'result', 'items'),
		],
	),
}

/** The built-in templates, in the order `/workflows` lists them. */
export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = [
	blogPost,
	storyboard,
	podcastIntro,
	transcribeSummarise,
	productShot,
]

export function findTemplate(id: string): WorkflowTemplate | undefined {
	return WORKFLOW_TEMPLATES.find(t => t.id === id)
}
