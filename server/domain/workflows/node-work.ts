/**
 * One node's work, from its inputs' outputs. Media nodes go through the generation pipeline with an idempotency key
 * made of the run and the node, so a job delivered twice, or retried after a crash, does not make a second output.
 * Text results (chat, transcribe, vision) are kept as text generations under the same key, with their usage, in
 * one transaction: a node retried after a crash finds its result and does not call the provider again.
 */
import type { Db } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import { chunkAudio } from '#server/media/join-audio.ts'
import { PLAIN_TRANSCRIBE_OPTIONS } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { ProviderName, Usage } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import type { AudioProjects } from '../audio/projects.ts'
import type { Generations } from '../generations/index.ts'
import type { Generation } from '../generations/rows.ts'
import type { Refusal } from '../refusal.ts'
import { recordUsage, type UsageCapability } from '../usage/index.ts'
import { generationRequest } from './node-requests.ts'
import type { NodeOutput, RunStatus } from './run-rows.ts'
import { fillTemplate, outputPortsOf, type WorkflowDefinition, type WorkflowNode } from './schema.ts'

/** Thrown by a node's work: the node fails with this message (a person can act on it). */
export class NodeFailure extends Error {}

export type NodeResult = { output: NodeOutput; generationId: string | null; costMicros: number }

export function createNodeWork(deps: {
	db: Db
	providers: ProviderRegistry
	generations: Pick<Generations, 'create' | 'get' | 'waitForChange' | 'cancel'>
	/** Reads the bytes of library items (transcribe, vision). */
	storage?: Pick<Storage, 'get'> | undefined
	/** Renders mix nodes. */
	audioProjects?: Pick<AudioProjects, 'mixSounds'> | undefined
	/** How long a node waits for its generation before failing. */
	nodeTimeoutMs: number
}) {
	const { db, providers, generations, nodeTimeoutMs } = deps

	const nodeKey = (runId: string, nodeId: string) => `workflow:${runId}:${nodeId}`

	/** Whether the node is still running (not canceled meanwhile). */
	async function stillRunning(runId: string, nodeId: string): Promise<boolean> {
		const { rows } = await db.privileged(tx =>
			tx.query<{ status: RunStatus }>(
				'select status from public.workflow_node_runs where run_id = $1 and node_id = $2',
				[runId, nodeId],
			),
		)
		return rows[0]?.status === 'running'
	}

	/** A text result stored before (this node, an earlier attempt): reused without calling the provider again. */
	async function storedText(userId: string, key: string) {
		const { rows } = await db.privileged(tx =>
			tx.query<{ id: string; params: { text?: unknown }; cost_micros: string | number }>(
				`select id, params, cost_micros from public.generations
				 where user_id = $1 and idempotency_key = $2 and kind = 'text' and status = 'succeeded'`,
				[userId, key],
			),
		)
		const row = rows[0]
		if (!row || typeof row.params.text !== 'string') return null
		return {
			output: { type: 'text' as const, text: row.params.text },
			generationId: row.id,
			costMicros: Number(row.cost_micros),
		}
	}

	/**
	 * Keeps a text result as a library item (a `text` generation under the node's key) with its usage, in one
	 * transaction, and links it from the node row: a retry finds it (`storedText`), and the usage is recorded once.
	 */
	async function storeText(
		userId: string,
		runId: string,
		node: WorkflowNode,
		result: {
			text: string
			prompt: string
			provider: ProviderName
			model: string
			capability: UsageCapability
			usage: Usage
			costMicros: number
			parentId?: string | null
		},
	) {
		const key = nodeKey(runId, node.id)
		const id = await db.privileged(async tx => {
			const { rows } = await tx.query<{ id: string }>(
				`insert into public.generations
					(user_id, kind, status, provider, model, prompt, params, cost_micros, idempotency_key, parent_id,
					 started_at, completed_at)
				 values ($1, 'text', 'succeeded', $2, $3, $4, $5, $6, $7, $8, now(), now())
				 on conflict (user_id, idempotency_key) where idempotency_key is not null do nothing
				 returning id`,
				[
					userId,
					result.provider,
					result.model,
					result.prompt.slice(0, 4000),
					JSON.stringify({ source: 'workflow', runId, nodeId: node.id, nodeName: node.name, text: result.text }),
					Math.max(0, Math.round(result.costMicros)),
					key,
					result.parentId ?? null,
				],
			)
			const inserted = rows[0]?.id
			if (!inserted) return null
			await recordUsage(tx, {
				userId,
				provider: result.provider,
				model: result.model,
				capability: result.capability,
				usage: result.usage,
				costMicros: result.costMicros,
				generationId: inserted,
			})
			await tx.query('update public.workflow_node_runs set generation_id = $3 where run_id = $1 and node_id = $2', [
				runId,
				node.id,
				inserted,
			])
			return inserted
		})
		if (!id) {
			// Stored by another attempt meanwhile: that one counts.
			const stored = await storedText(userId, key)
			if (stored) return stored
			throw new NodeFailure('This step’s result could not be kept.')
		}
		return { output: { type: 'text' as const, text: result.text }, generationId: id, costMicros: result.costMicros }
	}

	/** Links a node to the generation making its output, then waits for that generation to finish. */
	async function awaitGeneration(userId: string, runId: string, node: WorkflowNode, id: string) {
		const linked = await db.privileged(tx =>
			tx.query(
				`update public.workflow_node_runs set generation_id = $3 where run_id = $1 and node_id = $2 and status = 'running'`,
				[runId, node.id, id],
			),
		)
		const deadline = Date.now() + nodeTimeoutMs
		for (let first = true; ; first = false) {
			// Canceled before its generation was linked, or while it runs: the generation (and its prediction) stops too.
			if ((first && linked.rowCount === 0) || (!first && !(await stillRunning(runId, node.id)))) {
				await generations.cancel({ id: userId }, id).catch(() => undefined)
				throw new NodeFailure('Canceled.')
			}
			const g = await generations.get({ id: userId }, id)
			if ('refused' in g) throw new NodeFailure(g.message)
			if (g.status === 'succeeded') {
				const type = outputPortsOf(node)[0]?.type
				if (type !== 'image' && type !== 'audio' && type !== 'video') throw new NodeFailure('No output.')
				return { output: { type, generationId: id }, generationId: id, costMicros: g.costMicros }
			}
			if (g.status === 'failed' || g.status === 'canceled')
				throw new NodeFailure(g.error ?? `The ${g.kind} ${g.status}.`)
			if (Date.now() > deadline) throw new NodeFailure('This step took too long.')
			await generations.waitForChange(id, 1000)
		}
	}

	/** The first stored output of a finished library item of the user's, of one of `kinds`, and its bytes. */
	async function readMedia(userId: string, generationId: string | undefined, kinds: readonly string[]) {
		if (!generationId) throw new NodeFailure('This step’s input has no output.')
		const g: Generation | Refusal = await generations.get({ id: userId }, generationId)
		if ('refused' in g) throw new NodeFailure(g.message)
		const output = g.outputs.find(o => kinds.includes(o.kind))
		if (g.status !== 'succeeded' || !output) throw new NodeFailure('This step’s input has no usable output.')
		if (!deps.storage) throw new NodeFailure('Stored files cannot be read here.')
		const file = await deps.storage.get(output.bucket, output.key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		return { generation: g, output, data: new Uint8Array(Buffer.concat(chunks)) }
	}

	/** Does one node's work from its inputs' outputs. */
	async function execute(
		userId: string,
		runId: string,
		node: WorkflowNode,
		definition: WorkflowDefinition,
		outputs: Map<string, NodeOutput>,
	): Promise<NodeResult> {
		const inputs = definition.edges
			.filter(e => e.to.node === node.id)
			.map(e => ({ port: e.to.port, from: e.from.node, output: outputs.get(e.from.node) }))
		const text = (port: string): string | undefined => {
			const o = inputs.find(i => i.port === port)?.output
			return o?.type === 'text' ? o.text : undefined
		}
		const media = (port: string): string | undefined => {
			const o = inputs.find(i => i.port === port)?.output
			return o && 'generationId' in o ? o.generationId : undefined
		}
		const plain = (output: NodeOutput) => ({ output, generationId: null, costMicros: 0 })
		const key = nodeKey(runId, node.id)
		switch (node.kind) {
			case 'text':
				return plain({ type: 'text', text: node.value })
			case 'library': {
				const { rows } = await db.privileged(tx =>
					tx.query<{ id: string }>(
						`select id from public.generations
						 where id = $1 and user_id = $2 and kind = $3 and status = 'succeeded' and deleted_at is null`,
						[node.generationId, userId, node.media],
					),
				)
				if (!rows[0]) throw new NodeFailure('That library item does not exist, or it is not yours.')
				return {
					output: { type: node.media, generationId: node.generationId },
					generationId: node.generationId,
					costMicros: 0,
				}
			}
			case 'template':
				return plain({
					type: 'text',
					text: fillTemplate(
						node.template,
						Object.fromEntries(inputs.flatMap(i => (i.output?.type === 'text' ? [[i.port, i.output.text]] : []))),
					),
				})
			case 'collect':
				return plain({
					type: 'collection',
					items: inputs.flatMap(i => (i.output ? [{ nodeId: i.from, output: i.output }] : [])),
				})
			case 'chat': {
				const stored = await storedText(userId, key)
				if (stored) return stored
				const chat = providers.chat(node.model)
				const system = text('system') ?? node.system
				const prompt = text('prompt') ?? ''
				const stream = chat.stream({
					messages: [
						...(system ? [{ role: 'system' as const, content: system }] : []),
						{ role: 'user', content: prompt },
					],
					...(node.maxTokens ? { maxOutputTokens: node.maxTokens } : {}),
				})
				// The whole reply is kept; its parts are not shown while they arrive.
				let received = 0
				for await (const part of stream) received += part.length
				logger.debug('workflow chat node replied', { runId, nodeId: node.id, chars: received })
				const result = stream.result
				if (!result) throw new NodeFailure('The model gave no reply.')
				return storeText(userId, runId, node, {
					text: result.text,
					prompt,
					provider: chat.model.provider,
					model: chat.model.id,
					capability: 'chat',
					usage: result.usage,
					costMicros: result.costMicros,
				})
			}
			case 'vision': {
				const stored = await storedText(userId, key)
				if (stored) return stored
				const image = await readMedia(userId, media('image'), ['image'])
				const question = text('prompt') || node.question || 'Describe this image.'
				const call = providers.vision(node.model)
				const result = await call.run({
					image: { data: image.data, contentType: image.output.contentType },
					question,
				})
				return storeText(userId, runId, node, {
					text: result.text,
					prompt: question,
					provider: call.model.provider,
					model: call.model.id,
					capability: 'vision',
					usage: result.usage,
					costMicros: result.costMicros,
					parentId: image.generation.id,
				})
			}
			case 'transcribe': {
				const stored = await storedText(userId, key)
				if (stored) return stored
				const recording = await readMedia(userId, media('audio'), ['audio', 'video'])
				const call = providers.transcribe(node.model)
				const options = call.model.transcribe ?? PLAIN_TRANSCRIBE_OPTIONS
				let chunks: Awaited<ReturnType<typeof chunkAudio>>
				try {
					chunks = await chunkAudio(recording.data, options.chunkSeconds)
				} catch (error) {
					logger.warn('workflow transcribe: no sound read', { runId, nodeId: node.id, error })
					throw new NodeFailure('No sound could be read from that recording.')
				}
				const parts: string[] = []
				let costMicros = 0
				let seconds = 0
				for (const [i, chunk] of chunks.entries()) {
					const result = await call.run({
						audio: { data: chunk.data, contentType: 'audio/wav', filename: `chunk-${i + 1}.wav` },
						durationSeconds: chunk.duration,
					})
					costMicros += result.costMicros
					seconds += result.usage.units ?? chunk.duration
					if (result.text.trim()) parts.push(result.text.trim())
				}
				return storeText(userId, runId, node, {
					text: parts.join(' '),
					prompt: `Transcript of “${recording.generation.prompt.slice(0, 200)}”`,
					provider: call.model.provider,
					model: call.model.id,
					capability: 'transcribe',
					usage: { unit: 'seconds', units: seconds },
					costMicros,
					parentId: recording.generation.id,
				})
			}
			case 'mix': {
				if (!deps.audioProjects) throw new NodeFailure('Mixing is not available here.')
				const sources = inputs.flatMap(i =>
					i.port === 'tracks' && i.output && 'generationId' in i.output ? [i.output.generationId] : [],
				)
				const made = await deps.audioProjects.mixSounds(userId, { name: node.name, sources, idempotencyKey: key })
				if ('refused' in made) throw new NodeFailure(made.message)
				return awaitGeneration(userId, runId, node, made.generation.id)
			}
			case 'image':
			case 'imageEdit':
			case 'variation':
			case 'upscale':
			case 'video':
			case 'speech':
			case 'music': {
				const request = generationRequest(node, text, media)
				const created = await generations.create({ id: userId }, request, { idempotencyKey: key })
				if ('refused' in created) throw new NodeFailure(created.message)
				return awaitGeneration(userId, runId, node, created.generation.id)
			}
		}
	}

	return { execute }
}
