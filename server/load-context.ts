/**
 * What every loader and action receives as `context` (typed for routes in app/types/load-context.ts). Its own
 * module, so the pipeline (app.ts) and the route wrapper (route-protection.ts) both depend on it and not on
 * each other.
 */
import type { Services } from './services.ts'

export type LoadContext = {
	services: Services
	cspNonce: string
	requestId: string
	/** The client address as Express sees it (`req.ip`, honouring TRUST_PROXY): rate limits count by it. */
	clientIp: string
}
