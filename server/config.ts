/**
 * The whole environment, described once. Every variable the product reads is declared here, parsed
 * with one valibot schema into a typed `Config`, and handed to the rest of the server. Nothing else
 * reads `process.env` (the OpenTelemetry SDK reads the standard `OTEL_*` variables itself).
 *
 * A bad or missing value stops start-up with every problem listed at once, in plain words.
 */
import { join } from 'node:path'
import * as v from 'valibot'

const optionalString = v.optional(v.pipe(v.string(), v.trim()), '')
const bool = (fallback: boolean) =>
	v.pipe(
		v.optional(v.string(), String(fallback)),
		v.trim(),
		v.toLowerCase(),
		v.picklist(['true', 'false', '1', '0', 'yes', 'no', ''], 'must be true or false'),
		v.transform(s => (s === '' ? fallback : ['true', '1', 'yes'].includes(s))),
	)
const int = (fallback: number, min: number, max: number) =>
	v.pipe(
		v.optional(v.string(), String(fallback)),
		v.trim(),
		v.transform(s => (s === '' ? fallback : Number(s))),
		v.number('must be a number'),
		v.integer('must be a whole number'),
		v.minValue(min, `must be at least ${min}`),
		v.maxValue(max, `must be at most ${max}`),
	)
const optionalUrl = (protocols: string[]) =>
	v.pipe(
		optionalString,
		v.check(
			s => {
				if (s === '') return true
				try {
					return protocols.includes(new URL(s).protocol)
				} catch {
					return false
				}
			},
			`must be a URL starting with ${protocols.map(p => `${p}//`).join(' or ')}`,
		),
	)

const EnvSchema = v.object({
	NODE_ENV: v.pipe(
		v.optional(v.string(), 'development'),
		v.picklist(['development', 'production', 'test'], 'must be development, production or test'),
	),
	PORT: int(3000, 0, 65535),
	// This machine only unless told otherwise (HOST=0.0.0.0 in a container or behind a proxy elsewhere).
	HOST: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty')), '127.0.0.1'),
	PUBLIC_URL: optionalUrl(['http:', 'https:']),
	DATA_DIR: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty')), './data'),
	MEDIA_DIR: optionalString,
	LOG_LEVEL: v.pipe(
		v.optional(v.string(), 'http'),
		v.picklist(['error', 'warn', 'info', 'http', 'debug'], 'must be one of error, warn, info, http, debug'),
	),
	SESSION_SECRET: optionalString,
	TRUST_PROXY: v.pipe(
		optionalString,
		v.check(
			s => s === '' || /^(true|false|loopback|\d{1,2})$/.test(s),
			'must be true, false, loopback or a number of proxy hops',
		),
	),
	SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
	READINESS_TOKEN: optionalString,
	DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
	// How long start-up keeps trying to reach DATABASE_URL before giving up (a database starting alongside us).
	DATABASE_START_TIMEOUT_SECONDS: int(60, 0, 3600),
	REDIS_URL: optionalUrl(['redis:', 'rediss:']),
	SUPABASE_URL: optionalUrl(['http:', 'https:']),
	SUPABASE_SERVICE_ROLE_KEY: optionalString,
	OPENAI_API_KEY: optionalString,
	OPENAI_BASE_URL: optionalUrl(['http:', 'https:']),
	REPLICATE_API_TOKEN: optionalString,
	REPLICATE_BASE_URL: optionalUrl(['http:', 'https:']),
	REPLICATE_WEBHOOK_SECRET: optionalString,
	WEBHOOK_DEV_BYPASS: bool(false),
	GITHUB_CLIENT_ID: optionalString,
	GITHUB_CLIENT_SECRET: optionalString,
	GOOGLE_CLIENT_ID: optionalString,
	GOOGLE_CLIENT_SECRET: optionalString,
	// Move a provider's OAuth endpoints under one base URL (tests point them at a stub server).
	GITHUB_OAUTH_BASE_URL: optionalUrl(['http:', 'https:']),
	GOOGLE_OAUTH_BASE_URL: optionalUrl(['http:', 'https:']),
	SESSION_IDLE_DAYS: int(14, 1, 365),
	SESSION_MAX_DAYS: int(90, 1, 3650),
	RATE_LIMITS: v.pipe(
		optionalString,
		v.check(
			s => s === '' || s.split(',').every(p => /^\s*[a-z][a-z_.-]*=\d+\/\d+\s*$/i.test(p)),
			'must look like "chat=60/60,generation=10/60" (name=points/seconds, comma separated)',
		),
	),
	MONTHLY_BUDGET_USD: v.pipe(
		v.optional(v.string(), '10'),
		v.transform(Number),
		v.number('must be a number'),
		v.minValue(0, 'must not be negative'),
	),
	/** The largest recording accepted for transcription, in MB (the media bucket holds files up to 200 MB). */
	TRANSCRIBE_MAX_MB: int(100, 1, 200),
	/** Freesound's API key, for searching its sounds from the audio studio; empty leaves that search out. */
	FREESOUND_API_KEY: optionalString,
	/** Freesound's API base URL (a stub server in tests). */
	FREESOUND_BASE_URL: optionalString,
	EMBEDDED_WORKER: bool(true),
	JOB_LEASE_SECONDS: int(30, 2, 3600),
	PROVIDER_TIMEOUT_SECONDS: int(0, 0, 3600),
	OUTPUT_ALLOW_INSECURE_HOSTS: optionalString,
	// The standard OpenTelemetry variables are read by the SDK itself; these decide whether (and where) each
	// signal is exported, so start-up can say so and telemetry costs nothing when nothing reads it.
	OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http:', 'https:']),
	OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(['http:', 'https:']),
	OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: optionalUrl(['http:', 'https:']),
	OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: optionalUrl(['http:', 'https:']),
	OTEL_EXPORTER_OTLP_PROTOCOL: v.pipe(
		v.optional(v.string(), 'http/protobuf'),
		v.trim(),
		v.picklist(['http/protobuf', 'http/json', 'grpc', ''], 'must be http/protobuf, http/json or grpc'),
	),
	OTEL_TRACES_EXPORTER: optionalString,
	OTEL_METRICS_EXPORTER: optionalString,
	OTEL_LOGS_EXPORTER: optionalString,
	OTEL_SERVICE_NAME: v.optional(v.pipe(v.string(), v.trim()), 'generation-studio'),
	// How long shutdown waits for the last spans, metrics and logs to leave (a collector that is down must not
	// hold the process).
	TELEMETRY_FLUSH_TIMEOUT_MS: int(3_000, 0, 60_000),
})

type Env = v.InferOutput<typeof EnvSchema>

export type ProcessRole = 'all' | 'web' | 'worker'

export type Config = {
	env: Env['NODE_ENV']
	isProduction: boolean
	role: ProcessRole
	port: number
	host: string
	/** The origin the app is reached at; derived from the request's Host when unset (development only). */
	publicUrl: URL | null
	dataDir: string
	/**
	 * Local media storage (when Supabase Storage is not configured); default `${dataDir}/media`. Every process of
	 * a deployment must use the same directory (a shared volume): checked at start-up.
	 */
	mediaDir: string
	logLevel: Env['LOG_LEVEL']
	/** Newest first: the first signs, all verify, so secrets can be rotated without signing everyone out. */
	sessionSecrets: string[]
	trustProxy: boolean | number | string
	shutdownTimeoutMs: number
	/** Shows /readyz's details (latency, backend, errors) to a request that sends it as a bearer token. */
	readinessToken: string | null
	databaseUrl: string | null
	/** Start-up retries an unreachable DATABASE_URL, with backoff, for this long. */
	databaseStartTimeoutMs: number
	redisUrl: string | null
	supabase: { url: string; serviceRoleKey: string } | null
	openai: { apiKey: string; baseUrl: string | null } | null
	replicate: { apiToken: string; baseUrl: string | null; webhookSecret: string | null } | null
	webhookDevBypass: boolean
	github: { clientId: string; clientSecret: string } | null
	google: { clientId: string; clientSecret: string } | null
	/** Where each provider's OAuth endpoints live when not at the provider itself (stub servers in tests). */
	oauthBaseUrls: { github: string | null; google: string | null }
	session: { idleDays: number; maxDays: number }
	/** Per-policy overrides of the rate-limit table: name -> { points, durationSeconds }. */
	rateLimitOverrides: Record<string, { points: number; durationSeconds: number }>
	monthlyBudgetUsd: number
	/** The largest recording accepted for transcription, in bytes. */
	transcribeMaxBytes: number
	/** Freesound's API, when a key is set. */
	freesound: { apiKey: string; baseUrl: string } | null
	/** Run the job worker inside the web process (the single-process default). */
	embeddedWorker: boolean
	/** Postgres: a crashed process's running jobs run again elsewhere within about this long (plus a third). */
	jobLeaseSeconds: number
	/** One time limit for every provider call, in milliseconds; null keeps each capability's default. */
	providerTimeoutMs: number | null
	/**
	 * Hosts whose provider outputs may be fetched over plain http and from private addresses: a local
	 * OpenAI-compatible server on the LAN, or the stub servers of the test suite. Empty in a normal deployment.
	 */
	outputAllowInsecureHosts: string[]
	/**
	 * Telemetry runs only when some signal is exported to an OTLP endpoint; otherwise the SDK is not started and
	 * logs carry cheap trace ids (server/telemetry.ts).
	 */
	otel: {
		exporting: boolean
		serviceName: string
		protocol: string
		/** Where each signal goes (a URL), or null when it is not exported. */
		signals: Record<TelemetrySignal, string | null>
		flushTimeoutMs: number
	}
}

export type TelemetrySignal = 'traces' | 'metrics' | 'logs'

/** The SDK's own rule: a signal's endpoint, else the shared one plus `/v1/<signal>`; `OTEL_<SIGNAL>S_EXPORTER=none` turns it off. */
function telemetrySignals(env: Env): Record<TelemetrySignal, string | null> {
	const target = (specific: string, exporter: string, signal: TelemetrySignal) => {
		const exporters = exporter.split(',').map(e => e.trim().toLowerCase())
		if (exporters.includes('none') || (exporter !== '' && !exporters.includes('otlp'))) return null
		if (specific) return specific
		if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return null
		return env.OTEL_EXPORTER_OTLP_PROTOCOL === 'grpc'
			? env.OTEL_EXPORTER_OTLP_ENDPOINT
			: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/${signal}`
	}
	return {
		traces: target(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env.OTEL_TRACES_EXPORTER, 'traces'),
		metrics: target(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, env.OTEL_METRICS_EXPORTER, 'metrics'),
		logs: target(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, env.OTEL_LOGS_EXPORTER, 'logs'),
	}
}

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map(p => `  - ${p}`).join('\n')}`)
		this.name = 'ConfigError'
	}
}

/** A fixed development secret, so sessions survive restarts on a laptop. Refused in production. */

function pair<K extends string>(
	problems: string[],
	env: Env,
	a: K & keyof Env,
	b: K & keyof Env,
): [string, string] | null {
	const [x, y] = [String(env[a]), String(env[b])]
	if (x && y) return [x, y]
	if (x || y) problems.push(`${x ? b : a} must be set when ${x ? a : b} is set`)
	return null
}

function parseRole(argv: readonly string[]): ProcessRole | string {
	const flag = argv.find(a => a.startsWith('--role='))
	return flag ? flag.slice('--role='.length) : 'all'
}

/**
 * Each variable on its own, so one bad value does not hide the others: a variable that fails is reported (with the
 * value as it was typed, not what a transform made of it) and takes its default for the checks that follow.
 */
function parseEnv(source: Record<string, string | undefined>, problems: string[]): Env {
	const env: Record<string, unknown> = {}
	for (const [key, schema] of Object.entries(EnvSchema.entries)) {
		const parsed = v.safeParse(schema, source[key])
		if (parsed.success) {
			env[key] = parsed.output
			continue
		}
		const raw = source[key]
		const received = raw === undefined ? '' : ` (got ${JSON.stringify(redact(key, raw))})`
		problems.push(`${key} ${parsed.issues[0]?.message ?? 'is not valid'}${received}`)
		env[key] = v.parse(schema, undefined)
	}
	return env as Env
}

export function loadConfig(
	source: Record<string, string | undefined> = process.env,
	argv: readonly string[] = process.argv.slice(2),
): Config {
	const { config, problems } = inspectConfig(source, argv)
	if (problems.length > 0) throw new ConfigError(problems)
	return config
}

/**
 * The config and every problem found in it. Where a value is wrong the config holds its default, so callers can
 * go on checking (rate-limit names, the data directory) and report everything in one go.
 */
export function inspectConfig(
	source: Record<string, string | undefined> = process.env,
	argv: readonly string[] = process.argv.slice(2),
): { config: Config; problems: string[] } {
	const problems: string[] = []
	const env = parseEnv(source, problems)
	const isProduction = env.NODE_ENV === 'production'

	const role = parseRole(argv)
	if (role !== 'all' && role !== 'web' && role !== 'worker') {
		problems.push(`--role must be all, web or worker (got ${JSON.stringify(role)})`)
	}

	const sessionSecrets = env.SESSION_SECRET.split(',')
		.map(s => s.trim())
		.filter(Boolean)
	if (isProduction) {
		if (sessionSecrets.length === 0) {
			problems.push('SESSION_SECRET is required in production (a long random string; comma-separate to rotate)')
		} else if (sessionSecrets.some(s => s.length < 32)) {
			problems.push('SESSION_SECRET must be at least 32 characters long in production')
		}
		if (!env.PUBLIC_URL) problems.push('PUBLIC_URL is required in production (e.g. https://studio.example.com)')
		if (env.WEBHOOK_DEV_BYPASS) problems.push('WEBHOOK_DEV_BYPASS must not be true in production')
		for (const key of ['GITHUB_OAUTH_BASE_URL', 'GOOGLE_OAUTH_BASE_URL'] as const) {
			if (env[key].startsWith('http:')) problems.push(`${key} must use https:// in production`)
		}
	}

	const supabase = pair(problems, env, 'SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY')
	const github = pair(problems, env, 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET')
	const google = pair(problems, env, 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET')
	if (env.SESSION_MAX_DAYS < env.SESSION_IDLE_DAYS) {
		problems.push('SESSION_MAX_DAYS must be at least SESSION_IDLE_DAYS')
	}

	const signals = telemetrySignals(env)
	const rateLimitOverrides: Config['rateLimitOverrides'] = {}
	for (const part of env.RATE_LIMITS.split(',').filter(p => p.trim())) {
		const [name = '', spec = ''] = part.trim().split('=')
		const [points, seconds] = spec.split('/').map(Number)
		rateLimitOverrides[name] = { points: points ?? 0, durationSeconds: seconds ?? 0 }
	}

	const config: Config = {
		env: env.NODE_ENV,
		isProduction,
		role: role === 'web' || role === 'worker' ? role : 'all',
		port: env.PORT,
		host: env.HOST,
		publicUrl: env.PUBLIC_URL ? new URL(env.PUBLIC_URL) : null,
		dataDir: env.DATA_DIR,
		mediaDir: env.MEDIA_DIR || join(env.DATA_DIR, 'media'),
		logLevel: env.LOG_LEVEL,
		// Empty outside production when unset: server/auth/dev-secret.ts keeps a random one in DATA_DIR.
		sessionSecrets,
		trustProxy: parseTrustProxy(env.TRUST_PROXY),
		shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
		readinessToken: env.READINESS_TOKEN || null,
		databaseUrl: env.DATABASE_URL || null,
		databaseStartTimeoutMs: env.DATABASE_START_TIMEOUT_SECONDS * 1000,
		redisUrl: env.REDIS_URL || null,
		supabase: supabase ? { url: supabase[0], serviceRoleKey: supabase[1] } : null,
		openai: env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL || null } : null,
		replicate: env.REPLICATE_API_TOKEN
			? {
					apiToken: env.REPLICATE_API_TOKEN,
					baseUrl: env.REPLICATE_BASE_URL || null,
					webhookSecret: env.REPLICATE_WEBHOOK_SECRET || null,
				}
			: null,
		webhookDevBypass: env.WEBHOOK_DEV_BYPASS,
		github: github ? { clientId: github[0], clientSecret: github[1] } : null,
		google: google ? { clientId: google[0], clientSecret: google[1] } : null,
		oauthBaseUrls: { github: env.GITHUB_OAUTH_BASE_URL || null, google: env.GOOGLE_OAUTH_BASE_URL || null },
		session: { idleDays: env.SESSION_IDLE_DAYS, maxDays: env.SESSION_MAX_DAYS },
		rateLimitOverrides,
		monthlyBudgetUsd: env.MONTHLY_BUDGET_USD,
		transcribeMaxBytes: env.TRANSCRIBE_MAX_MB * 1024 * 1024,
		freesound: env.FREESOUND_API_KEY
			? { apiKey: env.FREESOUND_API_KEY, baseUrl: env.FREESOUND_BASE_URL || 'https://freesound.org/apiv2' }
			: null,
		embeddedWorker: env.EMBEDDED_WORKER,
		jobLeaseSeconds: env.JOB_LEASE_SECONDS,
		providerTimeoutMs: env.PROVIDER_TIMEOUT_SECONDS > 0 ? env.PROVIDER_TIMEOUT_SECONDS * 1000 : null,
		outputAllowInsecureHosts: env.OUTPUT_ALLOW_INSECURE_HOSTS.split(',')
			.map(h => h.trim())
			.filter(Boolean),
		otel: {
			exporting: Object.values(signals).some(Boolean),
			serviceName: env.OTEL_SERVICE_NAME || 'generation-studio',
			protocol: env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf',
			signals,
			flushTimeoutMs: env.TELEMETRY_FLUSH_TIMEOUT_MS,
		},
	}
	return { config, problems }
}

function parseTrustProxy(value: string): Config['trustProxy'] {
	if (value === '' || value === 'false') return false
	if (value === 'true') return true
	if (/^\d+$/.test(value)) return Number(value)
	return value
}

const SECRET_KEY = /SECRET|TOKEN|KEY|PASSWORD/i

/** Never echo a secret back, not even in a start-up error. */
function redact(key: string, value: unknown): unknown {
	if (SECRET_KEY.test(key)) return '[redacted]'
	return typeof value === 'string' ? value.replace(/\/\/[^/@\s]*@/, '//[redacted]@') : value
}
