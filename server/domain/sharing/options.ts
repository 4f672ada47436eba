/**
 * What a share link can point to, how long it may last and how long its title may be: plain constants, no
 * validation library, so the share form in the browser bundle carries only these (the schemas are in ./schema.ts).
 */
export const SHARE_KINDS = ['conversation', 'generation', 'workflow', 'audio_project'] as const
export type ShareKind = (typeof SHARE_KINDS)[number]

/** How long a new link works. */
export const SHARE_EXPIRIES = { never: null, '1h': 3600, '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const
export type ShareExpiry = keyof typeof SHARE_EXPIRIES
export const SHARE_EXPIRY_LABELS: Record<ShareExpiry, string> = {
	never: 'Never',
	'1h': 'In an hour',
	'1d': 'In a day',
	'7d': 'In a week',
	'30d': 'In 30 days',
}

/** 22 url-safe characters from 128 random bits; the database accepts 16 to 64. */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]{16,64}$/
export const SHARE_TITLE_MAX = 200
