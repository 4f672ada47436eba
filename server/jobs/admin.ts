/**
 * The job queues as an administrator sees them: how many jobs wait, run and failed per queue, the failed jobs, and
 * retrying or discarding one, always on the privileged connection (or the caller's privileged transaction).
 */
import type PgBoss from 'pg-boss'
import { isUuid } from '#server/uuid.ts'
import type { Db, Tx } from '#server/db/index.ts'
import { txAdapter } from './leases.ts'
import { assertJobName, JOB_NAMES, type FailedJob, type JobName, type Jobs } from './queues.ts'
import { untraced } from './telemetry.ts'

const FAILED_JOB_COLUMNS = `select id, name, output, retry_count, created_on, completed_on`

/** The message a failed job's handler threw: pg-boss keeps the serialised error in `output`. */
function failureText(output: unknown): string {
	if (typeof output === 'object' && output !== null && 'message' in output && typeof output.message === 'string') {
		return output.message
	}
	if (typeof output === 'string') return output
	return output === null || output === undefined ? 'No error was recorded.' : JSON.stringify(output)
}

function toFailedJob(row: Record<string, unknown>): FailedJob {
	const name = String(row.name)
	assertJobName(name)
	return {
		id: String(row.id),
		name,
		error: failureText(row.output).slice(0, 2000),
		retryCount: Number(row.retry_count ?? 0),
		createdAt: new Date(row.created_on as string | Date),
		failedAt: row.completed_on ? new Date(row.completed_on as string | Date) : null,
	}
}

/** The failed job with this id in this queue, locked for the change that follows; null when there is none. */
async function findFailed(tx: Tx, schema: string, name: JobName, id: string): Promise<FailedJob | null> {
	if (!isUuid(id)) return null
	const role = await tx.query<{ role: string }>("select current_setting('role') as role")
	if ((role.rows[0]?.role ?? 'none') !== 'none') throw new Error('failed jobs are changed on the privileged connection')
	const { rows } = await tx.query(
		`${FAILED_JOB_COLUMNS} from ${schema}.job where name = $1 and id = $2 and state = 'failed' for update`,
		[name, id],
	)
	return rows[0] ? toFailedJob(rows[0]) : null
}

type QueueAdmin = Pick<Jobs, 'queueStats' | 'failedJobs' | 'retryFailed' | 'discardFailed'>

export function createQueueAdmin(deps: { db: Db; boss: PgBoss; schema: string }): QueueAdmin {
	const { db, boss, schema } = deps

	/** Applies `change` to the failed job `id` of queue `name` once it is found and locked; the job, or null. */
	async function changeFailed(
		name: JobName,
		id: string,
		tx: Tx | undefined,
		change: (tx: Tx) => Promise<unknown>,
	): Promise<FailedJob | null> {
		assertJobName(name)
		const run = async (t: Tx) => {
			const found = await findFailed(t, schema, name, id)
			if (found) await change(t)
			return found
		}
		return tx ? await run(tx) : await untraced(() => db.privileged(run))
	}

	return {
		async queueStats() {
			const { rows } = await db.privilegedExecuteSql(
				`select name,
				count(*) filter (where state in ('created', 'retry'))::int as waiting,
				count(*) filter (where state = 'active')::int as active,
				count(*) filter (where state = 'failed')::int as failed,
				min(created_on) filter (where state in ('created', 'retry')) as oldest
			from ${schema}.job where name = any($1::text[]) group by name`,
				[[...JOB_NAMES]],
			)
			const byName = new Map(rows.map(r => [String(r.name), r]))
			return JOB_NAMES.map(name => {
				const row = byName.get(name)
				return {
					name,
					waiting: Number(row?.waiting ?? 0),
					active: Number(row?.active ?? 0),
					failed: Number(row?.failed ?? 0),
					oldestWaitingAt: row?.oldest ? new Date(row.oldest as string | Date) : null,
				}
			})
		},

		async failedJobs(limit) {
			const { rows } = await db.privilegedExecuteSql(
				`${FAILED_JOB_COLUMNS} from ${schema}.job where state = 'failed' and name = any($2::text[])
			order by completed_on desc nulls last, id limit $1`,
				[limit, [...JOB_NAMES]],
			)
			return rows.map(toFailedJob)
		},

		// pg-boss's own retry (state -> retry, one more attempt allowed), after reading the job it applies to.
		retryFailed: (name, id, tx) => changeFailed(name, id, tx, t => boss.retry(name, id, { db: txAdapter(t) })),
		discardFailed: (name, id, tx) => changeFailed(name, id, tx, t => boss.deleteJob(name, id, { db: txAdapter(t) })),
	}
}
