/**
 * Downloads a provider's output (an image, video or audio URL) so we can keep it in our storage instead of
 * hot-linking it. The URL comes from a third party, so it is treated as hostile: https only, an allow-list of
 * hosts, the name resolved once and every resolved address checked (no private, loopback, link-local or
 * metadata addresses), the connection made to exactly that checked address (no DNS rebinding), no redirects,
 * a size cap on both the declared and the counted length, and one deadline for the whole exchange.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { logger } from '#server/logger.ts'
import { isPublicAddress } from './addresses.ts'
import { formatBytes } from './rules.ts'
import { sniff, type Sniffed } from './sniff.ts'

/** Where the configured providers put their outputs. */
export const DEFAULT_OUTPUT_HOSTS: readonly string[] = [
	'replicate.delivery',
	'*.replicate.delivery',
	'oaidalleapiprodscus.blob.core.windows.net',
	'*.openai.com',
]

export type ResolvedAddress = { address: string; family: number }

export type FetchOutputOptions = {
	/** Exact host names, or `*.example.com` for any subdomain of example.com. */
	allowedHosts: readonly string[]
	maxBytes: number
	/** For everything: DNS, connecting, headers and body. */
	timeoutMs: number
	/**
	 * Hosts that may be fetched over `http:` and may resolve to private addresses: a local OpenAI-compatible
	 * server, or a test stub on 127.0.0.1. They count as allowed hosts.
	 */
	allowInsecureHosts?: readonly string[]
	/** How names are resolved; defaults to the system resolver (all addresses). */
	resolve?: (hostname: string) => Promise<ResolvedAddress[]>
	signal?: AbortSignal
}

export type FetchedOutput = {
	bytes: Uint8Array
	size: number
	/** Sniffed from the bytes; the server's Content-Type is only a hint for text subtypes. */
	contentType: string
	type: Sniffed
	/** What the server said it was sending, for logs. */
	declaredType: string | null
}

export type FetchOutputErrorCode =
	| 'invalid_url'
	| 'insecure_protocol'
	| 'host_not_allowed'
	| 'blocked_address'
	| 'dns_failed'
	| 'redirect'
	| 'http_status'
	| 'too_large'
	| 'empty'
	| 'timeout'
	| 'aborted'
	| 'network'

export class FetchOutputError extends Error {
	constructor(
		readonly code: FetchOutputErrorCode,
		message: string,
		readonly status: number | null = null,
		options?: { cause?: unknown },
	) {
		super(message, options)
		this.name = 'FetchOutputError'
	}
}

function normaliseHost(host: string): string {
	return host
		.trim()
		.toLowerCase()
		.replace(/^\[|\]$/g, '')
		.replace(/\.$/, '')
}

export function hostAllowed(host: string, patterns: readonly string[]): boolean {
	const h = normaliseHost(host)
	return patterns.some(raw => {
		const pattern = normaliseHost(raw)
		if (pattern.startsWith('*.')) {
			const suffix = pattern.slice(1)
			return h.endsWith(suffix) && h.length > suffix.length
		}
		return h === pattern
	})
}

async function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
	return dnsLookup(hostname, { all: true, verbatim: true })
}

/** A `lookup` for http.request that answers with the one address we checked, however it is asked. */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
	return (_hostname, options, callback) => {
		if (options.all) callback(null, [target])
		else callback(null, target.address, target.family)
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error)
}

/** Download `url` into memory under the rules above; every refusal is a `FetchOutputError` that says why. */
export async function fetchOutput(url: string, options: FetchOutputOptions): Promise<FetchedOutput> {
	let parsed: URL
	try {
		parsed = new URL(url)
	} catch {
		throw new FetchOutputError('invalid_url', 'The output URL is not a valid URL.')
	}
	if (parsed.username || parsed.password) {
		throw new FetchOutputError('invalid_url', 'The output URL must not carry a user name or password.')
	}
	const host = normaliseHost(parsed.hostname)
	const insecureOk = (options.allowInsecureHosts ?? []).some(h => normaliseHost(h) === host)
	if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && insecureOk)) {
		throw new FetchOutputError(
			'insecure_protocol',
			`Only https: output URLs are fetched (this one is ${parsed.protocol}//${host}).`,
		)
	}
	if (!insecureOk && !hostAllowed(host, options.allowedHosts)) {
		throw new FetchOutputError('host_not_allowed', `Outputs are not fetched from ${host}: it is not an allowed host.`)
	}

	const controller = new AbortController()
	let timedOut = false
	const timer = setTimeout(() => {
		timedOut = true
		controller.abort()
	}, options.timeoutMs)
	const onOuterAbort = () => controller.abort()
	options.signal?.addEventListener('abort', onOuterAbort, { once: true })
	const stopped = () =>
		timedOut
			? new FetchOutputError('timeout', `${host} did not deliver the output within ${options.timeoutMs} ms.`)
			: new FetchOutputError('aborted', 'The download was cancelled.')

	try {
		if (controller.signal.aborted) throw stopped()
		const addresses = await resolveChecked(host, insecureOk, options, controller.signal, stopped)
		const target = addresses[0]
		if (!target) throw new FetchOutputError('dns_failed', `${host} has no address.`)
		const response = await get(parsed, target, controller.signal, stopped)
		return await readBody(response, host, options.maxBytes, controller.signal, stopped)
	} finally {
		clearTimeout(timer)
		options.signal?.removeEventListener('abort', onOuterAbort)
	}
}

async function resolveChecked(
	host: string,
	insecureOk: boolean,
	options: FetchOutputOptions,
	signal: AbortSignal,
	stopped: () => FetchOutputError,
): Promise<ResolvedAddress[]> {
	const family = isIP(host)
	let addresses: ResolvedAddress[]
	if (family !== 0) {
		addresses = [{ address: host, family }]
	} else {
		const resolving = (options.resolve ?? systemResolve)(host)
		let onAbort = () => {}
		const aborted = new Promise<never>((_, fail) => {
			onAbort = () => fail(stopped())
			signal.addEventListener('abort', onAbort, { once: true })
		})
		try {
			addresses = await Promise.race([resolving, aborted])
		} catch (error) {
			if (error instanceof FetchOutputError) throw error
			throw new FetchOutputError('dns_failed', `Could not resolve ${host}: ${describe(error)}`, null, {
				cause: error,
			})
		} finally {
			// Once resolved, a later timeout must not reject a promise nobody listens to any more.
			signal.removeEventListener('abort', onAbort)
		}
	}
	if (!insecureOk) {
		// Every address, not just the one we would use: a name that points anywhere private is refused whole.
		const bad = addresses.find(a => !isPublicAddress(a.address))
		if (bad) {
			logger.warn('fetch-output: refused a private address', { host, address: bad.address })
			throw new FetchOutputError(
				'blocked_address',
				`Outputs are not fetched from ${host}: it resolves to ${bad.address}, a private or reserved address.`,
			)
		}
	}
	return addresses
}

function get(
	url: URL,
	target: ResolvedAddress,
	signal: AbortSignal,
	stopped: () => FetchOutputError,
): Promise<IncomingMessage> {
	return new Promise((resolve, reject) => {
		const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
			url,
			{
				method: 'GET',
				headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'generation-studio' },
				// A fresh connection through our lookup: a pooled socket must not carry it anywhere else.
				agent: false,
				lookup: pinnedLookup(target),
				signal,
			},
			resolve,
		)
		request.on('error', error => {
			reject(signal.aborted ? stopped() : new FetchOutputError('network', `Download failed: ${describe(error)}`))
		})
		request.end()
	})
}

async function readBody(
	response: IncomingMessage,
	host: string,
	maxBytes: number,
	signal: AbortSignal,
	stopped: () => FetchOutputError,
): Promise<FetchedOutput> {
	const status = response.statusCode ?? 0
	if (status >= 300 && status < 400) {
		response.destroy()
		const location = response.headers.location ? ` to ${response.headers.location}` : ''
		throw new FetchOutputError(
			'redirect',
			`${host} answered with a redirect (${status}${location}); redirects are not followed.`,
			status,
		)
	}
	if (status < 200 || status >= 300) {
		response.destroy()
		throw new FetchOutputError('http_status', `${host} answered ${status} instead of the output.`, status)
	}
	const declaredLength = response.headers['content-length']
	if (declaredLength !== undefined && Number(declaredLength) > maxBytes) {
		response.destroy()
		throw new FetchOutputError(
			'too_large',
			`The output is ${formatBytes(Number(declaredLength))}, more than the ${formatBytes(maxBytes)} allowed.`,
		)
	}

	const chunks: Buffer[] = []
	let size = 0
	try {
		for await (const chunk of response) {
			const buffer = chunk as Buffer
			size += buffer.length
			// Counted, not trusted: a missing or wrong Content-Length does not get past this.
			if (size > maxBytes) {
				response.destroy()
				throw new FetchOutputError('too_large', `The output is larger than the ${formatBytes(maxBytes)} allowed.`)
			}
			chunks.push(buffer)
		}
	} catch (error) {
		if (error instanceof FetchOutputError) throw error
		if (signal.aborted) throw stopped()
		throw new FetchOutputError('network', `The download from ${host} broke off: ${describe(error)}`, null, {
			cause: error,
		})
	}
	if (signal.aborted) throw stopped()
	if (declaredLength !== undefined && Number(declaredLength) !== size) {
		throw new FetchOutputError('network', `The download from ${host} broke off after ${size} bytes.`)
	}
	if (size === 0) throw new FetchOutputError('empty', `${host} sent an empty output.`)

	const bytes = new Uint8Array(Buffer.concat(chunks, size))
	const declaredType = response.headers['content-type'] ?? null
	const type = sniff(bytes, { declaredType, complete: true })
	return { bytes, size, contentType: type.mime, type, declaredType }
}
