/**
 * Administration: accounts (./users.ts), models switched on and off (./models.ts), the status page
 * (./status.ts) and the audit log every one of their changes writes (./audit.ts). Routes guard with
 * `requireAdmin` first; the changes check again inside their transactions.
 */
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Actor } from '../actor.ts'
import { listAudit } from './audit.ts'
import { createAdminModels } from './models.ts'
import { createAdminStatus, type ReadinessReport } from './status.ts'
import { createAdminUsers } from './users.ts'

export type { AuditEntry } from './audit.ts'
export type { AdminActor, AdminUserRow } from './users.ts'
export type { StatusReport } from './status.ts'

export function createAdmin(deps: {
	db: Db
	jobs: Pick<Jobs, 'queueStats' | 'failedJobs' | 'retryFailed' | 'discardFailed'>
	providers: Pick<ProviderRegistry, 'list'>
	defaultBudgetUsd: number
	forgetUser: (userId: string) => void
	reloadModels: () => Promise<void>
	readiness: () => Promise<ReadinessReport>
}) {
	const users = createAdminUsers({ db: deps.db, defaultBudgetUsd: deps.defaultBudgetUsd, forgetUser: deps.forgetUser })
	const models = createAdminModels({ db: deps.db, providers: deps.providers, reload: deps.reloadModels })
	const status = createAdminStatus({ db: deps.db, jobs: deps.jobs, readiness: deps.readiness })
	return {
		listUsers: users.list,
		changeUser: users.apply,
		setModelEnabled: models.setEnabled,
		status: status.report,
		jobAction: status.jobAction,
		audit: (actor: Actor, options: { before?: string | undefined } = {}) => listAudit(deps.db, actor, options),
	}
}

export type Admin = ReturnType<typeof createAdmin>
