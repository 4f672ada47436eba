/**
 * The HTTP pipeline, in a fixed order (see docs/ARCHITECTURE "The request pipeline"). It holds no
 * business logic: each step is a cross-cutting concern, and everything else happens in Remix routes.
 */
import crypto from 'node:crypto'
import path from 'node:path'
import { context, trace } from '@opentelemetry/api'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import helmet from 'helmet'
import { declaredLength } from './body-limit.ts'
import { globalRateLimit } from './limits/express.ts'
import type { LoadContext } from './load-context.ts'
import { logger, requestScope } from './logger.ts'
import { anonymousPageCache } from './page-cache.ts'
import { httpRouteFromBuild, instrumentBuild, setHttpRoute } from './remix-tracing.ts'
import { createRequestHandler } from './remix-express.ts'
import { bodyTooLarge } from './request-input.ts'
import { DatabaseUnavailableError } from './db/index.ts'
import { DATABASE_UNAVAILABLE, errorBody, handleRouteErrors, INTERNAL_ERROR } from './route-errors.ts'
import { installLoaderRequests } from './loader-requests.ts'
import { installRenderCaches } from './route-matching.ts'
import { largestBodyLimit, protectRoutes } from './route-protection.ts'
import { localSpanContext } from './telemetry-handle.ts'
import { createLocalMediaHandler, LocalStorage } from './storage/index.ts'
import type { Readiness, Services } from './services.ts'

const REQUEST_ID = /^[\w.:-]{1,128}$/
/** Signed webhooks come from other origins by design; their signature is their authentication. */
const ORIGIN_CHECK_EXEMPT = /^\/api\/webhooks\//
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const FILE_PATH = /\/[^/]+\.[a-z0-9]+$/i
/** Features no page needs (microphone and camera included: audio is uploaded, not recorded). */
const PERMISSIONS_POLICY = [
	'accelerometer=()',
	'autoplay=(self)',
	'camera=()',
	'display-capture=()',
	'fullscreen=(self)',
	'geolocation=()',
	'gyroscope=()',
	'magnetometer=()',
	'microphone=()',
	'midi=()',
	'payment=()',
	'publickey-credentials-get=()',
	'screen-wake-lock=()',
	'serial=()',
	'usb=()',
	'xr-spatial-tracking=()',
	'browsing-topics=()',
	'interest-cohort=()',
].join(', ')

export function createApp(options: { services: Services; build: ServerBuild; publicDir: string }) {
	const { services, publicDir } = options
	const { config } = services
	// Protection inside tracing: a refused request still gets its loader/action span. Failures become 503/500
	// answers outside both, so the span records the error itself.
	const build = handleRouteErrors(instrumentBuild(protectRoutes(options.build)))
	// The route list is fixed for the life of the process: match each pathname and build the route tree once
	// (server/route-matching.ts).
	installRenderCaches()
	// Loaders and actions get the request itself when Remix has nothing to take out of it (server/loader-requests.ts).
	installLoaderRequests()
	const maxBodyBytes = largestBodyLimit(options.build)
	const app = express()
	app.disable('x-powered-by')
	app.set('trust proxy', config.trustProxy)

	// 1. Request id (a sane incoming one is kept, so a proxy's id joins our logs) and the trace id.
	app.use((req, res, next) => {
		const incoming = req.get('x-request-id')
		const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
		res.locals.requestId = requestId
		res.setHeader('x-request-id', requestId)
		const active = trace.getActiveSpan()
		// Without the telemetry SDK there is no span: a local trace context still gives logs and jobs a trace id.
		const span = active ?? trace.wrapSpanContext(localSpanContext())
		res.setHeader('x-trace-id', span.spanContext().traceId)
		if (active) requestScope.run({ requestId }, next)
		else context.with(trace.setSpan(context.active(), span), () => requestScope.run({ requestId }, next))
	})

	// The route pattern names the HTTP server span and its metric (`GET /generations/:id`), whoever answers.
	app.use(httpRouteFromBuild(options.build))

	// 2. Security headers, with a fresh CSP nonce per request that Remix puts on every script it renders.
	const oauthHost = (base: string | null, fallback: string) => (base ? new URL(base).origin : fallback)
	const oauthHosts = [
		...(config.github ? [oauthHost(config.oauthBaseUrls.github, 'https://github.com')] : []),
		...(config.google ? [oauthHost(config.oauthBaseUrls.google, 'https://accounts.google.com')] : []),
	]
	const storageOrigin = config.supabase ? [new URL(config.supabase.url).origin] : []
	app.use(
		precomputedHeaders({
			contentSecurityPolicy: {
				useDefaults: false,
				directives: {
					'default-src': ["'self'"],
					'script-src': [`'nonce-${NONCE_SLOT}'`, "'strict-dynamic'"],
					// The one <style> wavesurfer.js (pinned 7.9.9) puts in each waveform's shadow root, by its hash; the
					// audio editor's browser test fails on a CSP refusal if an upgrade changes it.
					'style-src': ["'self'", "'sha256-MhmpyI2HVbogcwxNBRTdDoD+WQ4PrOgoFA3J9pGaPgQ='"],
					// Canvas and waveform libraries position elements with style attributes.
					'style-src-attr': ["'unsafe-inline'"],
					'img-src': ["'self'", 'data:', 'blob:', ...storageOrigin],
					'media-src': ["'self'", 'blob:', ...storageOrigin],
					'connect-src': ["'self'", ...storageOrigin],
					'font-src': ["'self'"],
					'worker-src': ["'self'", 'blob:'],
					'object-src': ["'none'"],
					'base-uri': ["'none'"],
					'frame-ancestors': ["'none'"],
					// Provider sign-in starts with a form POST that redirects to the provider.
					'form-action': ["'self'", ...oauthHosts],
					...(config.isProduction ? { 'upgrade-insecure-requests': [] } : {}),
				},
			},
			strictTransportSecurity: config.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
			crossOriginEmbedderPolicy: false,
			referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
		}),
	)
	// Powerful browser features the studio never uses stay off, for its pages and anything framed in them.
	app.use((_req, res, next) => {
		res.setHeader('Permissions-Policy', PERMISSIONS_POLICY)
		next()
	})

	// 3. Compression, except for event streams: buffering would hold back every token. Pages are compressed on
	// every request, so at the fastest level (about a third of level 6's CPU for a few per cent more bytes);
	// fingerprinted assets are cached by browsers for a year, so they get zlib's default.
	const compressible: compression.CompressionFilter = (req, res) => {
		const type = String(res.getHeader('Content-Type') ?? '')
		return !type.startsWith('text/event-stream') && compression.filter(req, res)
	}
	const compressPages = compression({ level: 1, filter: compressible })
	const compressAssets = compression({ filter: compressible })
	app.use((req, res, next) => (req.path.startsWith('/build/') ? compressAssets : compressPages)(req, res, next))

	// 4. Static files: fingerprinted build output for a year, the rest of public/ for an hour.
	app.use('/build', express.static(path.join(publicDir, 'build'), { immutable: true, maxAge: '1y', index: false }))
	app.use('/build', (_req, res) => {
		res.status(404).type('text/plain').send('Not found')
	})
	// Only addresses that look like files reach the disk: pages skip the stat call and its 404 error object.
	const publicFiles = express.static(publicDir, { maxAge: '1h', index: false, redirect: false })
	// Single Fetch's data requests (`/chat.data`) look like files but are Remix's.
	app.use((req, res, next) =>
		FILE_PATH.test(req.path) && !req.path.endsWith('.data') ? publicFiles(req, res, next) : next(),
	)

	// Media on the local disk, behind expiring HMAC-signed URLs (Supabase Storage serves its own).
	if (services.storage instanceof LocalStorage) {
		app.use(
			'/media',
			(_req, _res, next) => {
				setHttpRoute('/media/*')
				next()
			},
			createLocalMediaHandler(services.storage),
		)
	}

	// Probes sit before the limits and the access log: they are cheap and called every few seconds.
	app.use(probes(services))

	// Bodies larger than any route accepts are refused by their declared length, before a byte is read; each
	// route's own cap, and bodies sent without a length, are counted as they arrive (server/body-limit.ts).
	app.use((req, res, next) => {
		const length = declaredLength(req.get('content-length'))
		if (length === null || length <= maxBodyBytes) return next()
		void sendFetchResponse(res, bodyTooLarge(maxBodyBytes)).catch(next)
	})

	// 5. Same-origin check for every state-changing request: a cross-site form post is refused.
	app.use((req, res, next) => {
		if (SAFE_METHODS.has(req.method) || ORIGIN_CHECK_EXEMPT.test(req.path)) return next()
		const source = req.get('origin') ?? req.get('referer')
		// Browsers always send Origin on cross-site POSTs; a request with neither header is not from a page.
		if (source === undefined) return next()
		const expected = config.publicUrl?.host ?? req.get('host')
		let host: string | null = null
		try {
			host = new URL(source).host
		} catch {
			host = null
		}
		if (host !== null && host === expected) return next()
		logger.warn('cross-origin request refused', { method: req.method, path: req.path, origin: source })
		res.status(403).json({
			error: { code: 'forbidden', message: 'Cross-origin requests are not allowed.', requestId: res.locals.requestId },
		})
	})

	// 6. A generous global per-IP limit; the real limits are per route and per user, in loaders and actions.
	app.use(globalRateLimit(services.limits))

	// 7. One access log line per request, written when the response is done. Below the `http` level nothing is
	// written, so nothing is measured either: winston would format every line before its transport drops it.
	app.use((req, res, next) => {
		if (!logger.isLevelEnabled('http')) return next()
		const started = process.hrtime.bigint()
		const scope = requestScope.getStore()
		res.on('finish', () => {
			const durationMs = Number(process.hrtime.bigint() - started) / 1e6
			logger.http('request', {
				method: req.method,
				path: req.path,
				status: res.statusCode,
				duration_ms: Math.round(durationMs * 10) / 10,
				...(scope?.userId ? { user_id: scope.userId } : {}),
			})
		})
		next()
	})

	// Signed-out visitors of the landing page share one rendering for a few seconds (server/page-cache.ts).
	app.use(anonymousPageCache({ paths: ['/'], ttlMs: 5_000 }))

	// 8. Remix, with the services and the per-request values every loader and action may use.
	app.all(
		'*',
		createRequestHandler({
			build,
			mode: config.isProduction ? 'production' : 'development',
			maxBodyBytes,
			getLoadContext: (req, res, body): LoadContext => ({
				services,
				cspNonce: String(res.locals.cspNonce),
				requestId: String(res.locals.requestId),
				clientIp: req.ip ?? req.socket.remoteAddress ?? '',
				body,
			}),
		}),
	)

	app.use(errorHandler)

	return app
}

/** Stands for the request's nonce in the headers helmet computes once (base64 never contains it). */
const NONCE_SLOT = '__nonce__'

/**
 * Helmet's headers, worked out once: with this configuration they are the same for every request but for the
 * CSP nonce, so helmet runs once at start-up against a recording response, and each request gets the recorded
 * headers with its own nonce written into the CSP (helmet's eleven middlewares per request cost more than the
 * rest of the pipeline before Remix). Helmet also removes X-Powered-By, which the app never sets.
 */
function precomputedHeaders(options: Parameters<typeof helmet>[0]) {
	const recorded: Array<[string, string]> = []
	const recorder = {
		locals: {},
		setHeader(name: string, value: string | number | readonly string[]) {
			recorded.push([name, String(value)])
		},
		removeHeader() {},
		getHeader() {
			return undefined
		},
	}
	let failure: unknown = null
	helmet(options)({} as Request, recorder as unknown as Response, (error?: unknown) => {
		failure = error ?? null
	})
	if (failure) throw failure instanceof Error ? failure : new Error(String(failure))
	const fixed = recorded.filter(([, value]) => !value.includes(NONCE_SLOT))
	const withNonce = recorded
		.filter(([, value]) => value.includes(NONCE_SLOT))
		.map(([name, value]) => [name, value.split(NONCE_SLOT)] as const)
	return (_req: Request, res: Response, next: NextFunction) => {
		const nonce = crypto.randomBytes(16).toString('base64')
		res.locals.cspNonce = nonce
		for (const [name, value] of fixed) res.setHeader(name, value)
		for (const [name, parts] of withNonce) res.setHeader(name, parts.join(nonce))
		next()
	}
}

/** Sends a fetch Response built outside Remix (a refusal) through Express. */
async function sendFetchResponse(res: Response, response: globalThis.Response): Promise<void> {
	res.status(response.status)
	response.headers.forEach((value, name) => res.setHeader(name, value))
	res.end(Buffer.from(await response.arrayBuffer()))
}

/** Per dependency, by name: ready, degraded (optional and down) or unavailable (required and down). */
export function publicReadiness(report: Readiness) {
	const checks: Record<string, 'ready' | 'degraded' | 'unavailable'> = {}
	for (const [name, check] of Object.entries(report.checks)) {
		checks[name] = check.ok ? 'ready' : check.required ? 'unavailable' : 'degraded'
	}
	return { status: report.status, checks }
}

/** A bearer token equal to the configured one, compared in constant time. */
function bearerMatches(header: string | undefined, token: string | null): boolean {
	const sent = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined
	if (!token || !sent) return false
	const digest = (value: string) => crypto.createHash('sha256').update(value).digest()
	return crypto.timingSafeEqual(digest(sent), digest(token))
}

/** `/healthz` (the process is alive) and `/readyz` (its dependencies answer), for every role. */
function probes(services: Services) {
	const router = express.Router()
	router.get('/healthz', (_req, res) => {
		res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) })
	})
	// Anyone may ask whether each dependency is up; only an administrator or a monitor with the configured token
	// is told how (details name backends, addresses and paths).
	router.get('/readyz', async (req, res, next) => {
		try {
			const report = await services.readiness()
			const detailed = bearerMatches(req.get('authorization'), services.config.readinessToken) || (await isAdmin(req))
			res.setHeader('Cache-Control', 'no-store')
			res.status(report.status === 'unavailable' ? 503 : 200).json(detailed ? report : publicReadiness(report))
		} catch (error) {
			next(error)
		}
	})
	const isAdmin = async (req: Request) => {
		const cookie = req.get('cookie')
		if (!cookie) return false
		const user = await services.auth.getUser(
			new globalThis.Request(`http://localhost${req.originalUrl}`, { headers: { cookie } }),
		)
		return user?.role === 'admin'
	}
	return router
}

/** Anything thrown past Remix: log it with its request id, answer in the JSON error shape without internals. */
function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction) {
	const unavailable = error instanceof DatabaseUnavailableError
	if (unavailable)
		logger.warn('request answered 503: database unavailable', { error, method: req.method, path: req.path })
	else logger.error('unhandled error', { error, method: req.method, path: req.path })
	if (res.headersSent) return res.end()
	const answer = unavailable ? DATABASE_UNAVAILABLE : INTERNAL_ERROR
	res
		.status(answer.status)
		.set(answer.headers)
		.json(errorBody(answer, String(res.locals.requestId ?? '')))
}

/** A `--role=worker` process has no pages, but answers its probes on the port like any other. */
export function createProbeApp(services: Services) {
	const app = express()
	app.disable('x-powered-by')
	app.use(probes(services))
	app.use((_req, res) => {
		res
			.status(404)
			.json({ error: { code: 'not_found', message: 'A worker process serves /healthz and /readyz only.' } })
	})
	app.use(errorHandler)
	return app
}
