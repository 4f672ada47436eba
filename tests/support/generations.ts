/** Generations in domain tests: waiting for one to finish, reading a stored output, unwrapping a create, an output entry for a stored file. */
import type { Generation, GenerationOutput } from '#server/domain/generations/index.ts'
import type { GenerationRequest } from '#server/domain/generations/schema.ts'
import type { Services } from '#server/services.ts'
import type { StoredObject } from '#server/storage/index.ts'

/** The generation once it is no longer pending (waiting on its own status events), or an error after `timeoutMs`. */
export async function settle(services: Services, userId: string, id: string, timeoutMs = 30_000): Promise<Generation> {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const g = await services.generations.get({ id: userId }, id)
		if ('refused' in g) throw new Error(g.message)
		if (!['queued', 'running', 'processing'].includes(g.status)) return g
		if (Date.now() > deadline) throw new Error(`generation still ${g.status} after ${timeoutMs} ms`)
		await services.generations.waitForChange(id, 250)
	}
}

/** The generation once it has reached `status` (a long prediction's `processing`, say), or an error after `timeoutMs`. */
export async function reach(
	services: Services,
	userId: string,
	id: string,
	status: Generation['status'],
	timeoutMs = 10_000,
): Promise<Generation> {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const g = await services.generations.get({ id: userId }, id)
		if ('refused' in g) throw new Error(g.message)
		if (g.status === status) return g
		if (Date.now() > deadline) throw new Error(`generation still ${g.status}, not ${status}, after ${timeoutMs} ms`)
		await services.generations.waitForChange(id, 200)
	}
}

/** The bytes of a stored output (or thumbnail) in the media bucket. */
export async function bytesOf(services: Services, key: string): Promise<Buffer> {
	const file = await services.storage.get('media', key)
	const chunks: Buffer[] = []
	for await (const chunk of file.body) chunks.push(chunk as Buffer)
	return Buffer.concat(chunks)
}

/** The generation a create made, or an error naming the refusal. */
export function created(result: Awaited<ReturnType<Services['generations']['create']>>): Generation {
	if ('refused' in result) throw new Error(`refused: ${result.message}`)
	return result.generation
}

/** A request made for the user, once it is no longer pending (whatever it came to). */
export async function settled(
	services: Services,
	user: { id: string },
	request: GenerationRequest,
	timeoutMs?: number,
): Promise<Generation> {
	return settle(services, user.id, created(await services.generations.create(user, request)).id, timeoutMs)
}

export type ImageRequest = Extract<GenerationRequest, { kind: 'image' }>

/**
 * An image request on the offline model (named: with vendors configured the default model would be theirs, and
 * would use up the stubs' scripted answers).
 */
export const imageRequest = (prompt: string, extra: Partial<ImageRequest> = {}): ImageRequest => ({
	kind: 'image',
	prompt,
	size: '1024x1024',
	n: 1,
	model: 'offline:image',
	...extra,
})

/** A finished offline image of the user's, to start something else from (a video, a workflow's library node). */
export async function finishedImage(
	services: Services,
	user: { id: string },
	prompt: string,
	extra: Partial<ImageRequest> = {},
): Promise<Generation> {
	const g = await settled(services, user, imageRequest(prompt, extra))
	if (g.status !== 'succeeded') throw new Error(`the image ${g.status}: ${g.error ?? ''}`)
	return g
}

/** A file put into storage as a generation's output entry (the fields the worker writes into `generations.outputs`). */
export const outputOf = (stored: StoredObject): GenerationOutput => ({
	bucket: stored.bucket,
	key: stored.key,
	contentType: stored.contentType,
	kind: stored.kind,
	size: stored.size,
})
