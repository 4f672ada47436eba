/**
 * Public sharing: links to a generation, a conversation (a branch or a range of it), a workflow (optionally
 * with its last run's outputs) or an audio project, with an optional title and expiry; the public page's
 * content read as `anon` only; views; revoke; "Make a copy". See docs/decisions/027-share-links.md.
 */
import { createLinks } from './links.ts'
import { createPublicShares, type PublicSharesDeps } from './public.ts'

export type { ShareLink, ShareStatus } from './links.ts'
export type { SharedContent, SharedMedia, SharedMessage, SharedGeneration, Visitor } from './public.ts'

export function createSharing(deps: PublicSharesDeps) {
	const shares = createPublicShares(deps)
	const links = createLinks({ db: deps.db, onRevoke: slug => shares.forget(slug) })
	return { ...links, view: shares.view, copy: shares.copy }
}

export type Sharing = ReturnType<typeof createSharing>
