/**
 * Every long-lived service is built here, once, from the Config, and reaches routes through Remix's load
 * context (`context.services`). Routes and domain code never construct clients of their own. Services
 * close in the reverse order of their creation.
 */
import { withSessionSecrets } from './auth/dev-secret.ts'
import { createAuth } from './auth/index.ts'
import type { Auth } from './auth/index.ts'
import type { Config } from './config.ts'
import { createDb, errorMessage, listenForNotifications, migrate, withTimeout } from './db/index.ts'
import type { Db } from './db/index.ts'
import { startJobs } from './jobs/index.ts'
import type { Jobs } from './jobs/index.ts'
import { logger } from './logger.ts'
import type { Logger } from './logger.ts'
import { createChat } from './domain/chat/index.ts'
import type { Chat } from './domain/chat/index.ts'
import { createAudioProjects } from './domain/audio/projects.ts'
import type { AudioProjects } from './domain/audio/projects.ts'
import { createGenerations } from './domain/generations/index.ts'
import type { Generations } from './domain/generations/index.ts'
import { createReplicateWebhooks } from './domain/generations/webhooks.ts'
import { createTranscripts } from './domain/transcripts/index.ts'
import { createLibrary } from './domain/library/index.ts'
import type { Library } from './domain/library/index.ts'
import { createSounds } from './domain/sounds/index.ts'
import type { Sounds } from './domain/sounds/index.ts'
import { createFreesoundImport, FREESOUND_IMPORT_MAX_BYTES } from './domain/sounds/import.ts'
import type { FreesoundImport } from './domain/sounds/import.ts'
import type { Transcripts } from './domain/transcripts/index.ts'
import { createModels } from './domain/models/index.ts'
import { createAdmin } from './domain/admin/index.ts'
import type { Admin } from './domain/admin/index.ts'
import { createWorkflows } from './domain/workflows/index.ts'
import type { Workflows } from './domain/workflows/index.ts'
import { createSharing } from './domain/sharing/index.ts'
import type { Sharing } from './domain/sharing/index.ts'
import { createMarkdownRenderer } from './markdown/index.ts'
import { startPurgeWorker } from './domain/undo/index.ts'
import { usageSummary } from './domain/usage/index.ts'
import type { UsageSummary } from './domain/usage/index.ts'
import { createAnalytics } from './domain/usage/analytics.ts'
import type { Analytics } from './domain/usage/analytics.ts'
import type { Models } from './domain/models/index.ts'
import type { ReplicateWebhooks } from './domain/generations/webhooks.ts'
import { createLifecycle } from './lifecycle.ts'
import type { Lifecycle } from './lifecycle.ts'
import { createLimits } from './limits/index.ts'
import type { Limits } from './limits/index.ts'
import { MODELS_CHANGED_CHANNEL } from './providers/models-sync.ts'
import { createProviders } from './providers/registry.ts'
import type { ProviderRegistry } from './providers/registry.ts'
import { assertSharedMedia, createStorage, LocalStorage } from './storage/index.ts'
import type { Storage, StorageHealth } from './storage/index.ts'
import { describeDatabaseUrl, waitForDatabase } from './startup.ts'
import { DEFAULT_OUTPUT_HOSTS, fetchOutput } from './storage/fetch-output.ts'
import { createFlash } from './flash.ts'
import type { Flash } from './flash.ts'

export type CheckState = { ok: boolean; required: boolean; latencyMs?: number; detail?: string }
export type Readiness = {
	/** unavailable: a required dependency is down (503). degraded: an optional one is, and we say so. */
	status: 'ready' | 'degraded' | 'unavailable'
	checks: Record<string, CheckState>
}

export type Services = {
	config: Config
	logger: Logger
	db: Db
	jobs: Jobs
	limits: Limits
	storage: Storage
	auth: Auth
	/** One-shot messages carried across a POST-redirect-GET. */
	flash: Flash
	providers: ProviderRegistry
	generations: Generations
	/** Multitrack audio projects and their mixdowns. */
	audioProjects: AudioProjects
	transcripts: Transcripts
	/** Every item the user owns in one list: favourites, bulk delete, zips, lineage. */
	library: Library
	sounds: Sounds
	/** Importing a Freesound sound into the library, with its licence and attribution. */
	freesoundImport: FreesoundImport
	chat: Chat
	models: Models
	/** Accounts, model switches, the status page and the audit log, for administrators. */
	admin: Admin
	/** Workflow definitions: validation, the cost estimate and the budget check before a run. */
	workflows: Workflows
	/** Share links and the public pages behind them. */
	sharing: Sharing
	/** The cost ledger read back: this month's summary, and the analytics page and export for a range of days. */
	usage: { summary(user: { id: string }): Promise<UsageSummary> } & Analytics
	webhooks: { replicate: ReplicateWebhooks }
	/** Whether the process is shutting down; long-lived responses end early on its signal. */
	lifecycle: Lifecycle
	readiness(): Promise<Readiness>
	startWorkers(): Promise<void>
	close(): Promise<void>
}

/** Each readiness check answers within this time, or counts as down: a probe must not hang with its dependency. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000

async function timed<T>(fn: () => Promise<T>, failed: (detail: string) => T): Promise<[T, number]> {
	const started = performance.now()
	let value: T
	try {
		value = await withTimeout(fn(), READINESS_CHECK_TIMEOUT_MS, 'the check')
	} catch (error) {
		value = failed(errorMessage(error))
	}
	return [value, Math.round((performance.now() - started) * 10) / 10]
}

export async function createServices(configured: Config): Promise<Services> {
	// Without SESSION_SECRET (never in production): a random secret kept in DATA_DIR (server/auth/dev-secret.ts).
	const config = withSessionSecrets(configured)
	const closers: Array<[string, () => Promise<void>]> = []
	const lifecycle = createLifecycle()

	const db = await createDb(config)
	closers.push(['database', () => db.close()])
	// A database starting alongside us gets some patience before start-up gives up (server/startup.ts).
	if (config.databaseUrl) {
		await waitForDatabase(db, {
			timeoutMs: config.databaseStartTimeoutMs,
			where: describeDatabaseUrl(config.databaseUrl),
		})
	}
	// Migrating on start-up keeps `npm start` a one-command install; each migration runs once, in a transaction.
	await migrate(db)

	// The web role enqueues, the worker role works: both need the engine started; only workers register handlers.
	const jobs = await startJobs(db, { supervise: config.role !== 'web', leaseSeconds: config.jobLeaseSeconds })
	closers.push(['job engine', () => jobs.stop({ graceful: true, timeoutMs: config.shutdownTimeoutMs })])

	const limits = await createLimits({ redisUrl: config.redisUrl, overrides: config.rateLimitOverrides })
	closers.push(['rate limits', () => limits.close()])

	const storage = createStorage(config)
	// Processes sharing a Postgres database must share the media directory too (an embedded database has one process).
	if (db.kind === 'postgres' && storage instanceof LocalStorage) {
		await assertSharedMedia(storage, {
			claim: (key, value) =>
				db.privileged(async tx => {
					await tx.query(
						'insert into public.deployment_settings (id, value) values ($1, $2) on conflict (id) do nothing',
						[key, value],
					)
					const { rows } = await tx.query<{ value: string }>(
						'select value from public.deployment_settings where id = $1',
						[key],
					)
					return rows[0]?.value ?? value
				}),
		})
	}
	// Sessions, accounts and API tokens; account deletion removes the user's stored files too.
	const auth = await createAuth({ config, db, jobs, limits, storage })
	closers.push(['auth', () => auth.close()])
	const providers = createProviders(
		config,
		config.providerTimeoutMs ? { timeouts: { default: config.providerTimeoutMs } } : {},
	)
	// Provider outputs come from the vendors' file hosts, or from a self-hosted OpenAI-compatible server.
	const outputHosts = [
		...DEFAULT_OUTPUT_HOSTS,
		...[config.openai?.baseUrl, config.replicate?.baseUrl].flatMap(u => (u ? [new URL(u).hostname] : [])),
	]
	const models = createModels({ db, providers })
	// The shipped catalogue, with what the last sync and the administrators changed in the table.
	await models.reload()
	if (config.databaseUrl) {
		// Other processes switch models off and sync them too: the table's trigger tells this one at their commit.
		const notifications = listenForNotifications({
			connectionString: config.databaseUrl,
			channel: MODELS_CHANGED_CHANNEL,
			onNotify: () => models.refresh(),
		})
		await notifications.ready
		closers.push(['model catalogue notifications', () => notifications.close()])
	}
	const generations = createGenerations({
		config,
		db,
		jobs,
		providers,
		storage,
		limits,
		fetchOutput: async (url, signal) => {
			const fetched = await fetchOutput(url, {
				allowedHosts: outputHosts,
				allowInsecureHosts: config.outputAllowInsecureHosts,
				maxBytes: 200 * 1024 * 1024,
				timeoutMs: 120_000,
				...(signal ? { signal } : {}),
			})
			return { data: fetched.bytes, contentType: fetched.contentType }
		},
	})
	const audioProjects = createAudioProjects({ db, jobs, storage, limits, announce: generations.announce })
	const webhooks = { replicate: createReplicateWebhooks({ config, db, providers, generations }) }
	const chat = createChat({ config, db, jobs, providers, storage })
	const transcripts = createTranscripts({ config, db, jobs, providers, storage })
	const workflows = createWorkflows({ config, db, jobs, providers, generations, storage, audioProjects })
	const library = createLibrary({ db, storage, generations, transcripts })
	const sounds = createSounds({ config, db })
	// Freesound imports: the preview file from Freesound's hosts only (or the configured API's host, for a
	// self-hosted mirror or a test stub), under the size cap, its type sniffed.
	const freesoundHosts = [
		'freesound.org',
		'*.freesound.org',
		...(config.freesound ? [new URL(config.freesound.baseUrl).hostname] : []),
	]
	const freesoundImport = createFreesoundImport({
		config,
		db,
		storage,
		fetchFile: url =>
			fetchOutput(url, {
				allowedHosts: freesoundHosts,
				allowInsecureHosts: config.outputAllowInsecureHosts,
				maxBytes: FREESOUND_IMPORT_MAX_BYTES,
				timeoutMs: 60_000,
			}),
	})
	const sharing = createSharing({
		db,
		storage,
		markdown: createMarkdownRenderer(),
		visitorSecret: config.sessionSecrets[0] ?? '',
		workflows,
	})
	// Before the database closes: replies still being written keep their text and can be retried.
	closers.push(['chat replies', () => chat.close()])

	let lastReadiness: Readiness['status'] = 'ready'
	async function readiness(): Promise<Readiness> {
		const checks: Record<string, CheckState> = {}
		const [[dbHealth, dbMs], [jobsHealth, jobsMs], [storageHealth, storageMs], [limitsHealth, limitsMs]] =
			await Promise.all([
				timed(
					() => db.health(),
					detail => ({ ok: false, detail, latencyMs: READINESS_CHECK_TIMEOUT_MS }),
				),
				timed(
					() => jobs.health(),
					detail => ({ ok: false, detail }),
				),
				timed(
					() => storage.health(),
					(error): StorageHealth => ({ ok: false, backend: storage.backend, error }),
				),
				timed(
					() => limits.health(),
					detail => ({ ok: false, backend: limits.backend, detail }),
				),
			])
		checks.storage = {
			ok: storageHealth.ok,
			required: true,
			latencyMs: storageMs,
			detail: storageHealth.ok ? storageHealth.backend : `${storageHealth.backend}: ${storageHealth.error}`,
		}
		checks.database = { ok: dbHealth.ok, required: true, latencyMs: dbMs, detail: dbHealth.detail ?? db.kind }
		checks.jobs = {
			ok: jobsHealth.ok,
			required: true,
			latencyMs: jobsMs,
			...(jobsHealth.detail ? { detail: jobsHealth.detail } : {}),
		}
		checks.rateLimits = {
			ok: limitsHealth.ok,
			// Without Redis the limits are served from memory: degraded, not down.
			required: false,
			latencyMs: limitsMs,
			detail: limitsHealth.detail ?? `backend: ${limitsHealth.backend}`,
		}
		// A process that is shutting down takes no new work: the balancer should send it elsewhere.
		if (lifecycle.draining) checks.process = { ok: false, required: true, detail: 'shutting down' }
		const failed = Object.values(checks).filter(c => !c.ok)
		const status = failed.some(c => c.required) ? 'unavailable' : failed.length > 0 ? 'degraded' : 'ready'
		// Probes come every few seconds: say when the state changes, not on every probe.
		if (status !== lastReadiness) {
			const failing = Object.entries(checks).flatMap(([name, c]) => (c.ok ? [] : [`${name}: ${c.detail ?? 'down'}`]))
			if (status === 'ready') logger.info('readiness: ready', { was: lastReadiness })
			else logger.warn(`readiness: ${status}`, { failing })
			lastReadiness = status
		}
		return { status, checks }
	}

	return {
		config,
		logger,
		db,
		jobs,
		limits,
		storage,
		auth,
		flash: createFlash(config),
		providers,
		generations,
		audioProjects,
		transcripts,
		library,
		sounds,
		freesoundImport,
		chat,
		models,
		admin: createAdmin({
			db,
			jobs,
			providers,
			defaultBudgetUsd: config.monthlyBudgetUsd,
			forgetUser: userId => auth.forgetUser(userId),
			reloadModels: () => models.reload(),
			readiness: () => readiness(),
		}),
		workflows,
		sharing,
		usage: {
			summary: user => usageSummary(db, user.id, config.monthlyBudgetUsd),
			...createAnalytics(db, config.monthlyBudgetUsd),
		},
		webhooks,
		lifecycle,
		readiness,
		async startWorkers() {
			await jobs.recoverOrphans()
			await generations.startWorkers()
			await audioProjects.startWorkers()
			await transcripts.startWorkers()
			await chat.startWorkers()
			await workflows.runs.startWorkers()
			// Deletions become final when their undo window is over.
			await startPurgeWorker(jobs, {
				conversation: chat.purge,
				generation: generations.purge,
				api_token: auth.purgeApiToken,
				account: auth.purgeAccount,
			})
		},
		async close() {
			for (const [name, close] of closers.reverse()) {
				try {
					await close()
					logger.info(`shutdown: closed ${name}`)
				} catch (error) {
					logger.error(`shutdown: closing ${name} failed`, { error })
				}
			}
		},
	}
}
