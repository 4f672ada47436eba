/**
 * Leases (Postgres, where several processes share the queue; docs/decisions/010-job-leases.md): a running job's
 * expiry is kept short — `leaseSeconds` past now, renewed every third of that by the process running it, up to
 * its queue's run-time cap. A process that dies stops renewing, so within a lease its jobs are expired and
 * re-queued to run at once by any supervising process (`sweep`); a live process never loses a job it is working
 * on. On the embedded database the process is the only worker: no leases (see `recoverOrphans`).
 */
import type PgBoss from 'pg-boss'
import { errorMessage, type Db, type Tx } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import { JOB_POLICIES, isJobName, type JobName } from './queues.ts'
import { untraced } from './telemetry.ts'

/** What a job re-queued by the lease sweep carries as its last output. */
const LEASE_EXPIRED = 'The process running this job stopped renewing its lease (it crashed or lost the database).'

/** pg-boss's `db` shape over a transaction: its statements join the caller's transaction. */
export function txAdapter(tx: Tx): PgBoss.Db {
	return { executeSql: (text: string, values: unknown[]) => tx.executeSql(text, values) }
}

export type Leases = ReturnType<typeof createLeases>

export function createLeases(deps: {
	db: Db
	boss: PgBoss
	/** pg-boss's schema. */
	schema: string
	/** Null on the embedded database: no leases. */
	leaseSeconds: number | null
	/** Sweep expired leases in this process. */
	supervise: boolean
	/** Called with each queue the sweep put jobs back in. */
	wake(name: JobName): void
}) {
	const { db, boss, schema, leaseSeconds } = deps
	/** Jobs this process is running: id -> queue and the longest the queue lets a job run. */
	const held = new Map<string, { name: JobName; capSeconds: number }>()
	/** The run-time cap per queue (a worker may set its own expiry). */
	const caps = new Map<JobName, number>()
	const timers: NodeJS.Timeout[] = []

	function capOf(name: JobName): number {
		return caps.get(name) ?? JOB_POLICIES[name].expireInSeconds
	}

	/** Sets each held job's expiry to `leaseSeconds` from now, never past its queue's cap. Returns ids still held. */
	async function renew(ids: string[]): Promise<Set<string>> {
		if (leaseSeconds === null || ids.length === 0) return new Set()
		const entries = ids.flatMap(id => {
			const h = held.get(id)
			return h ? [{ id, name: h.name, cap: h.capSeconds }] : []
		})
		const { rows } = await db.privilegedExecuteSql(
			`update ${schema}.job j
			    set expire_in = make_interval(secs => least(h.cap, extract(epoch from now() - j.started_on) + $4))
			   from unnest($1::uuid[], $2::text[], $3::int[]) as h(id, name, cap)
			  where j.name = h.name and j.id = h.id and j.state = 'active'
			returning j.id`,
			[entries.map(e => e.id), entries.map(e => e.name), entries.map(e => e.cap), leaseSeconds],
		)
		return new Set(rows.map(r => String(r.id)))
	}

	async function hold(name: JobName, id: string) {
		if (leaseSeconds === null) return
		held.set(id, { name, capSeconds: capOf(name) })
		try {
			await renew([id])
		} catch (error) {
			// The job keeps its queue's full expiry until the next renewal: slower recovery, nothing lost.
			logger.warn('job engine: could not take the lease of a job', { job: name, jobId: id, error: errorMessage(error) })
		}
	}

	async function renewHeld() {
		const ids = [...held.keys()]
		if (ids.length === 0) return
		try {
			const kept = await renew(ids)
			for (const id of ids) {
				if (!kept.has(id) && held.has(id)) {
					logger.warn('job engine: a running job lost its lease (it may run again elsewhere)', {
						job: held.get(id)?.name,
						jobId: id,
					})
				}
			}
		} catch (error) {
			logger.warn('job engine: could not renew the leases of running jobs', {
				count: ids.length,
				error: errorMessage(error),
			})
		}
	}

	/**
	 * Re-queues every active job whose lease (or run-time cap) has passed, through pg-boss's own failure path (so
	 * retry limits and counts apply), to run again at once: its process died, the job did not fail.
	 */
	async function sweep(): Promise<number> {
		const expired = await db.privileged(async tx => {
			const { rows } = await tx.query<{ id: string; name: string }>(
				`select id, name from ${schema}.job
				  where state = 'active' and started_on + expire_in < now()
				  for update skip locked`,
			)
			const byName = new Map<JobName, string[]>()
			for (const row of rows) {
				if (!isJobName(row.name)) continue
				byName.set(row.name, [...(byName.get(row.name) ?? []), row.id])
			}
			for (const [name, ids] of byName) {
				for (const id of ids) await boss.fail(name, id, { message: LEASE_EXPIRED }, { db: txAdapter(tx) })
			}
			if (rows.length > 0) {
				await tx.query(`update ${schema}.job set start_after = now() where id = any($1::uuid[]) and state = 'retry'`, [
					rows.map(r => r.id),
				])
			}
			return byName
		})
		let count = 0
		for (const [name, ids] of expired) {
			count += ids.length
			logger.warn('job engine: re-queued jobs whose process stopped renewing them', { job: name, count: ids.length })
			deps.wake(name)
		}
		return count
	}

	return {
		capOf,
		setCap(name: JobName, seconds: number) {
			caps.set(name, seconds)
		},
		/** Takes the lease of a job this process starts. */
		hold,
		/** Lets go of a job this process finished (or gave back). */
		release(id: string) {
			held.delete(id)
		},
		start() {
			if (leaseSeconds === null) return
			const every = Math.max(1, leaseSeconds / 3) * 1000
			// The queue's own upkeep: no trace of its own (see `untraced`).
			const renewal = setInterval(() => void untraced(renewHeld), every)
			renewal.unref()
			timers.push(renewal)
			if (deps.supervise) {
				let sweeping = false
				const sweeper = setInterval(() => {
					if (sweeping) return
					sweeping = true
					untraced(sweep)
						.catch(error => logger.warn('job engine: lease sweep failed', { error: errorMessage(error) }))
						.finally(() => {
							sweeping = false
						})
				}, every)
				sweeper.unref()
				timers.push(sweeper)
			}
		},
		/** Renewal runs until the last job finished: call after the workers stopped. */
		stop() {
			for (const timer of timers.splice(0)) clearInterval(timer)
		},
	}
}
