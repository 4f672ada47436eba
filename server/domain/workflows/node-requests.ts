/** The generation request a media node makes from its settings and its inputs. */
import type { GenerationRequest } from '../generations/schema.ts'
import type { WorkflowNode } from './schema.ts'

export type MediaNode = Extract<
	WorkflowNode,
	{ kind: 'image' | 'imageEdit' | 'variation' | 'upscale' | 'video' | 'speech' | 'music' }
>

export function generationRequest(
	node: MediaNode,
	text: (port: string) => string | undefined,
	media: (port: string) => string | undefined,
): GenerationRequest {
	const source = media('image')
	/** The start of a speech or music request: what it says or plays, on the node's model. */
	const sound = <Mode extends 'speech' | 'music'>(mode: Mode, prompt: string | undefined) => ({
		kind: 'audio' as const,
		mode,
		prompt: prompt ?? '',
		model: node.model,
	})
	switch (node.kind) {
		case 'image':
			return { kind: 'image', prompt: text('prompt') ?? '', model: node.model, size: '1024x1024', n: node.n ?? 1 }
		case 'imageEdit':
			// An edit by instruction: the source redrawn after the prompt, its composition kept (image to image).
			return {
				kind: 'image',
				prompt: text('prompt') ?? '',
				model: node.model,
				size: '1024x1024',
				n: 1,
				strength: 0.75,
				...(source ? { sourceId: source } : {}),
			}
		case 'variation':
			return {
				kind: 'image',
				prompt: text('prompt') || 'A variation of this image',
				model: node.model,
				size: '1024x1024',
				n: node.n ?? 1,
				...(source ? { sourceId: source } : {}),
			}
		case 'upscale':
			return {
				kind: 'image',
				operation: 'upscale',
				prompt: 'Upscale',
				model: node.model,
				size: '1024x1024',
				n: 1,
				scale: node.scale ?? 2,
				...(source ? { sourceId: source } : {}),
			}
		case 'video':
			return {
				kind: 'video',
				prompt: text('prompt') ?? '',
				model: node.model,
				...(node.durationSeconds ? { durationSeconds: node.durationSeconds } : {}),
				...(source ? { sourceId: source } : {}),
			}
		case 'speech':
			return { ...sound('speech', text('text')), durationSeconds: 8, ...(node.voice ? { voice: node.voice } : {}) }
		case 'music':
			return { ...sound('music', text('prompt')), durationSeconds: node.durationSeconds ?? 8 }
	}
}
