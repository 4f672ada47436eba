/**
 * Signed, expiring media URLs for local storage: `<basePath>/<bucket>/<key>?exp=<unix seconds>&sig=<base64url>`,
 * HMAC-SHA256 over the bucket, key, expiry and download name. The signing key is derived from each session secret
 * with a label, so a media URL signature can never be replayed as anything else; the newest secret signs, all of
 * them verify (rotating secrets keeps links working).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { SignedUrlOptions } from './types.ts'

const SIGNING_LABEL = 'generation-studio/media-url/v1'
const MAX_EXPIRY_SECONDS = 7 * 24 * 60 * 60

/** Signed URLs kept for reuse: a few pages of the largest gallery, a few megabytes at most. */
const ISSUED_URLS = 10_000

/** The media URL key for one session secret: HMAC(secret, label), never the secret itself. */
export function deriveMediaSigningKey(secret: string): Buffer {
	return createHmac('sha256', secret).update(SIGNING_LABEL).digest()
}

function canonical(bucket: string, key: string, exp: number, download: string): string {
	return `${SIGNING_LABEL}\n${bucket}\n${key}\n${exp}\n${download}`
}

export type UrlVerdict = { ok: true; exp: number; download: string } | { ok: false; reason: 'invalid' | 'expired' }

export class MediaUrlSigner {
	private readonly keys: Buffer[]
	/**
	 * URLs already signed, by bucket, key, expiry and download name. A page names the same URLs on every render
	 * within a half hour (the domain rounds expiries up to a boundary), and a gallery names hundreds: each is an
	 * HMAC and a query string, so the answer is kept. Bounded; the oldest entry goes first.
	 */
	private readonly issued = new Map<string, string>()

	constructor(
		secrets: readonly string[],
		private readonly basePath: string,
		/** Milliseconds since the epoch. */
		private readonly now: () => number,
	) {
		if (secrets.length === 0) throw new Error('local storage needs at least one signing secret')
		this.keys = secrets.map(deriveMediaSigningKey)
	}

	/** A URL for a bucket and key already checked by the caller. */
	url(bucket: string, key: string, options: SignedUrlOptions): string {
		const seconds = Math.floor(options.expiresInSeconds)
		if (!(seconds >= 1 && seconds <= MAX_EXPIRY_SECONDS)) {
			throw new RangeError(`expiresInSeconds must be between 1 and ${MAX_EXPIRY_SECONDS}`)
		}
		const exp = Math.floor(this.now() / 1000) + seconds
		const download = options.download === true ? '1' : typeof options.download === 'string' ? options.download : ''
		const id = canonical(bucket, key, exp, download)
		const known = this.issued.get(id)
		if (known !== undefined) return known
		const query = new URLSearchParams({ exp: String(exp) })
		if (download) query.set('dl', download)
		query.set('sig', this.sign(bucket, key, exp, download))
		const url = `${this.basePath}/${bucket}/${key}?${query.toString()}`
		if (this.issued.size >= ISSUED_URLS) this.issued.delete(this.issued.keys().next().value ?? '')
		this.issued.set(id, url)
		return url
	}

	private sign(bucket: string, key: string, exp: number, download: string, signingKey = this.keys[0]): string {
		if (!signingKey) throw new Error('no signing key')
		return createHmac('sha256', signingKey)
			.update(canonical(bucket, key, exp, download))
			.digest('base64url')
	}

	/** Constant-time check of a URL's signature against every current secret, then of its expiry. */
	verify(bucket: string, key: string, query: URLSearchParams): UrlVerdict {
		const expText = query.get('exp') ?? ''
		const sig = query.get('sig') ?? ''
		const download = query.get('dl') ?? ''
		if (!/^\d{1,12}$/.test(expText) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: 'invalid' }
		const exp = Number(expText)
		const given = Buffer.from(sig, 'base64url')
		let valid = false
		for (const signingKey of this.keys) {
			const expected = Buffer.from(this.sign(bucket, key, exp, download, signingKey), 'base64url')
			// No early exit: every secret is compared, so timing says nothing about which one matched.
			if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true
		}
		if (!valid) return { ok: false, reason: 'invalid' }
		if (exp * 1000 <= this.now()) return { ok: false, reason: 'expired' }
		return { ok: true, exp, download }
	}
}
