/**
 * One-shot messages after a POST-redirect-GET ("Chat deleted", "Token created"): the action puts a message in
 * a short-lived cookie with its redirect, and the root loader of the next page takes it (reads it and clears
 * the cookie), so it is shown once, with and without JavaScript.
 *
 * The cookie is encrypted (AES-256-GCM, a key derived from the first session secret; all of them are tried
 * when reading, so secrets rotate as the session cookie's do): a message may carry a secret shown once (a new
 * API token) or an undo credential, and a signed-only cookie would hold them in clear text.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { createCookie } from '@remix-run/node'
import type { Config } from './config.ts'

export type FlashMessage = {
	kind: 'success' | 'info' | 'error'
	message: string
	/** An Undo button: a form that posts `fields` to `action`, offered until `expiresAt` (ISO time). */
	undo?: { action: string; fields: Record<string, string>; expiresAt: string }
	/** Shown once beside the message, in a field that is easy to copy (a new API token). */
	secret?: { label: string; value: string }
}

export interface Flash {
	/** The Set-Cookie value that carries `message` to the next page the browser loads. */
	put(message: FlashMessage): Promise<string>
	/** The message waiting for this request, and the Set-Cookie value that clears it (null when there was none). */
	take(request: Request): Promise<{ message: FlashMessage | null; clear: string | null }>
}

/** Long enough for the redirect to be followed on a slow connection; a message never outlives it. */
const FLASH_SECONDS = 60
const IV_BYTES = 12
const TAG_BYTES = 16

function keyOf(secret: string): Buffer {
	return createHash('sha256').update(`generation-studio flash\0${secret}`).digest()
}

export function createFlash(config: Pick<Config, 'isProduction' | 'sessionSecrets'>): Flash {
	const keys = config.sessionSecrets.map(keyOf)
	const cookie = createCookie(config.isProduction ? '__Host-gs_flash' : 'gs_flash', {
		// Same reasoning as the session cookie (server/auth/session.ts): host-only, script-proof, lax.
		httpOnly: true,
		secure: config.isProduction,
		sameSite: 'lax',
		path: '/',
		maxAge: FLASH_SECONDS,
	})

	function seal(message: FlashMessage): string {
		const key = keys[0]
		if (!key) throw new Error('Flash messages need a session secret')
		const iv = randomBytes(IV_BYTES)
		const cipher = createCipheriv('aes-256-gcm', key, iv)
		const body = Buffer.concat([cipher.update(JSON.stringify(message), 'utf8'), cipher.final()])
		return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
	}

	function open(sealed: string): FlashMessage | null {
		const raw = Buffer.from(sealed, 'base64url')
		if (raw.length <= IV_BYTES + TAG_BYTES) return null
		const iv = raw.subarray(0, IV_BYTES)
		const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES)
		const body = raw.subarray(IV_BYTES + TAG_BYTES)
		for (const key of keys) {
			try {
				const decipher = createDecipheriv('aes-256-gcm', key, iv)
				decipher.setAuthTag(tag)
				const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
				return parseMessage(JSON.parse(text))
			} catch {
				// Another secret, or a cookie that was tampered with: try the next key, then give up.
			}
		}
		return null
	}

	return {
		async put(message) {
			return await cookie.serialize(seal(message))
		},
		async take(request) {
			const header = request.headers.get('Cookie')
			if (!header || !header.includes(cookie.name)) return { message: null, clear: null }
			const value: unknown = await cookie.parse(header)
			const message = typeof value === 'string' ? open(value) : null
			return { message, clear: await cookie.serialize('', { maxAge: 0, expires: new Date(0) }) }
		},
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Only what we wrote comes back out; anything else (an old format) is dropped rather than trusted. */
function parseMessage(value: unknown): FlashMessage | null {
	if (!isRecord(value)) return null
	const { kind, message, undo, secret } = value
	if ((kind !== 'success' && kind !== 'info' && kind !== 'error') || typeof message !== 'string') return null
	const out: FlashMessage = { kind, message }
	if (
		isRecord(undo) &&
		typeof undo.action === 'string' &&
		typeof undo.expiresAt === 'string' &&
		isRecord(undo.fields) &&
		Object.values(undo.fields).every(v => typeof v === 'string')
	) {
		out.undo = { action: undo.action, expiresAt: undo.expiresAt, fields: undo.fields as Record<string, string> }
	}
	if (isRecord(secret) && typeof secret.label === 'string' && typeof secret.value === 'string') {
		out.secret = { label: secret.label, value: secret.value }
	}
	return out
}
