/**
 * Helpers the chat modules share: the shape of an uploaded file, the budget estimate of a reply, and reading a
 * stored file whole.
 */
import type { Readable } from 'node:stream'
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'

/** A file from a form or an API body, before it is checked and stored. */
export type UploadedFile = { name: string; type: string; data: Uint8Array }

/** What the budget check assumes a reply costs before it is written. */
const ESTIMATED_OUTPUT_TOKENS = 800

/** A rough price before the call: the input's characters as tokens, plus a typical reply. */
export function estimateMicros(model: ModelInfo, inputChars: number): number {
	return computeCostMicros(model, {
		unit: 'tokens',
		inputTokens: Math.ceil(inputChars / 4),
		outputTokens: ESTIMATED_OUTPUT_TOKENS,
	})
}

export async function readAll(body: Readable): Promise<Uint8Array> {
	const chunks: Buffer[] = []
	for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
	return new Uint8Array(Buffer.concat(chunks))
}
