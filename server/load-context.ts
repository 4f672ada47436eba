/**
 * What every loader and action receives as `context` (typed for routes in app/types/load-context.ts). Its own
 * module, so the pipeline (app.ts) and the route wrapper (route-protection.ts) both depend on it and not on
 * each other.
 */
import type { BodyLimit } from './remix-express.ts'
import type { Services } from './services.ts'

export type LoadContext = {
	services: Services
	cspNonce: string
	requestId: string
	/** The client address as Express sees it (`req.ip`, honouring TRUST_PROXY): rate limits count by it. */
	clientIp: string
	/** The request body's byte cap (null without a body); the route guard lowers it to the route's own. */
	body: BodyLimit | null
}
