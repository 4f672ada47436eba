/**
 * A Replicate prediction (from the API or a webhook body, already verified by the caller) in our terms: its
 * status, its outputs (https links or inline data only), its error as one of ours, and its usage by the
 * catalogue's billing rule for the model.
 */
import { DEFAULT_CATALOGUE, type ModelInfo } from './catalogue.ts'
import { shortMessage } from './deadline.ts'
import { ProviderError, type MediaOutput, type PredictionState, type PredictionStatus, type Usage } from './types.ts'

export function normaliseStatus(status: string): PredictionStatus {
	if (status === 'aborted') return 'canceled'
	if (
		status === 'starting' ||
		status === 'processing' ||
		status === 'succeeded' ||
		status === 'failed' ||
		status === 'canceled'
	) {
		return status
	}
	return 'processing'
}

/** The scheme of the first output string that names an address we do not fetch, or null when all are usable. */
function unusableOutput(output: unknown): string | null {
	if (typeof output === 'string') {
		if (/^https?:\/\//.test(output) || /^data:/.test(output)) return null
		// Only strings that name an address (`scheme:/...`): a text output such as "note: ..." is not one.
		const scheme = /^([a-z][a-z0-9+.-]*):\/\S/i.exec(output)?.[1]
		return scheme ? `${scheme}:` : null
	}
	if (Array.isArray(output)) {
		for (const item of output) {
			const found = unusableOutput(item)
			if (found !== null) return found
		}
	} else if (typeof output === 'object' && output !== null) {
		for (const item of Object.values(output)) {
			const found = unusableOutput(item)
			if (found !== null) return found
		}
	}
	return null
}

function collectOutputs(output: unknown, into: MediaOutput[] = []): MediaOutput[] {
	if (typeof output === 'string') {
		if (/^https?:\/\//.test(output)) into.push({ kind: 'url', url: output })
		else {
			const match = /^data:([^;,]+);base64,(.*)$/s.exec(output)
			if (match)
				into.push({
					kind: 'bytes',
					contentType: match[1] ?? 'application/octet-stream',
					data: new Uint8Array(Buffer.from(match[2] ?? '', 'base64')),
				})
		}
	} else if (Array.isArray(output)) {
		for (const item of output) collectOutputs(item, into)
	} else if (output && typeof output === 'object') {
		for (const value of Object.values(output)) collectOutputs(value, into)
	}
	return into
}

function predictionError(message: string): ProviderError {
	const detail = shortMessage(message || 'no reason given')
	if (/nsfw|safety|sensitive|flagged|content polic|moderation/i.test(detail)) {
		return new ProviderError(
			'content_refused',
			`The model refused this request (${detail}). Rephrase the prompt and try again.`,
			{
				provider: 'replicate',
			},
		)
	}
	if (/invalid|validation|must be|not a valid|unsupported/i.test(detail)) {
		return new ProviderError('invalid_request', `The model could not use this input: ${detail}`, {
			provider: 'replicate',
		})
	}
	return new ProviderError('unavailable', `The model failed: ${detail}. Try again.`, { provider: 'replicate' })
}

/**
 * Reads a prediction (from the API or a webhook body, already verified by the caller) into our terms,
 * with its usage worked out from the catalogue's billing rule for the model.
 */
export function parsePrediction(body: unknown, catalogue: readonly ModelInfo[] = DEFAULT_CATALOGUE): PredictionState {
	if (!body || typeof body !== 'object') {
		throw new ProviderError('invalid_request', 'The prediction is not a JSON object.', { provider: 'replicate' })
	}
	const p = body as Record<string, unknown>
	if (typeof p.id !== 'string' || typeof p.status !== 'string') {
		throw new ProviderError('invalid_request', 'The prediction has no id or status.', { provider: 'replicate' })
	}
	let status = normaliseStatus(p.status)
	// An output we would not fetch (file:, HTTPS: in capitals, ftp:...) fails the prediction with a message,
	// instead of leaving a success with nothing to show.
	const unusable = status === 'succeeded' ? unusableOutput(p.output) : null
	if (unusable !== null) status = 'failed'
	const state: PredictionState = { id: p.id, status }
	if (typeof p.model === 'string') state.model = p.model
	if (status === 'succeeded') state.outputs = collectOutputs(p.output)
	if (unusable !== null) {
		state.error = new ProviderError(
			'invalid_request',
			`Replicate sent an output at a ${unusable} address; only https:// links (or inline data) are accepted.`,
			{ provider: 'replicate' },
		)
	} else if (status === 'failed')
		state.error = predictionError(typeof p.error === 'string' ? p.error : JSON.stringify(p.error ?? ''))
	const info =
		typeof p.model === 'string'
			? catalogue.find(m => m.provider === 'replicate' && m.vendorModel === p.model)
			: undefined
	if (status === 'succeeded') state.usage = predictionUsage(p, info, state.outputs?.length ?? 0)
	else if (status === 'failed' || status === 'canceled') {
		// Failed predictions are billed for the compute they used; nothing else is charged.
		if (info?.replicateBilling?.by === 'compute-seconds') state.usage = { unit: 'seconds', units: predictSeconds(p) }
	}
	return state
}

function predictSeconds(p: Record<string, unknown>): number {
	const metrics = p.metrics
	if (metrics && typeof metrics === 'object') {
		const value = (metrics as Record<string, unknown>).predict_time
		if (typeof value === 'number' && Number.isFinite(value)) return value
	}
	return 0
}

function predictionUsage(p: Record<string, unknown>, info: ModelInfo | undefined, outputs: number): Usage {
	const billing = info?.replicateBilling ?? { by: 'output' as const }
	switch (billing.by) {
		case 'output':
			return { unit: 'images', units: outputs }
		case 'compute-seconds':
			return { unit: 'seconds', units: predictSeconds(p) }
		case 'output-seconds': {
			const input = p.input && typeof p.input === 'object' ? (p.input as Record<string, unknown>) : {}
			const seconds = input[billing.inputKey]
			return {
				unit: 'seconds',
				units: (typeof seconds === 'number' ? seconds : billing.defaultSeconds) * Math.max(1, outputs),
			}
		}
	}
}
