/**
 * What every capability's domain module is built from (server/services.ts passes the real ones; tests pass their
 * own). A part takes the subset it uses: `Pick<DomainDeps, 'db' | 'storage'>`.
 */
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Storage } from '#server/storage/index.ts'

export type DomainDeps = {
	config: Pick<Config, 'monthlyBudgetUsd'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
}
