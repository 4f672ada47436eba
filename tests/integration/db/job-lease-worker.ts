/**
 * Run as a separate process by job-leases.test.ts: a worker process on a shared Postgres database. It works the
 * `chat.title` queue; each job it takes is announced on stdout (`started <id> <retryCount>`) and then either
 * never finishes (`hang`, until the test kills the process) or finishes after <ms> (`work:<ms>`, `done <id>`).
 * Usage: node --import tsx job-lease-worker.ts <connectionString> <leaseSeconds> <hang|work:ms>
 */
import * as v from 'valibot'
import { createPostgresDb } from '#server/db/index.ts'
import { startJobs } from '#server/jobs/index.ts'
import { sleep } from '#server/sleep.ts'

const [connectionString, leaseSeconds, mode] = process.argv.slice(2)
if (!connectionString || !leaseSeconds || !mode) {
	throw new Error('usage: job-lease-worker.ts <connectionString> <leaseSeconds> <hang|work:ms>')
}

// No top-level await: the package is CommonJS, so tsx compiles this file as such.
async function main(url: string, lease: number, behaviour: string) {
	const db = createPostgresDb({ connectionString: url, max: 4 })
	const jobs = await startJobs(db, { leaseSeconds: lease, pollingIntervalSeconds: 0.5 })
	await jobs.work(
		'chat.title',
		async job => {
			process.stdout.write(`started ${job.id} ${job.retryCount}\n`)
			if (behaviour === 'hang') await new Promise(() => undefined)
			await sleep(Number(behaviour.replace('work:', '')))
			process.stdout.write(`done ${job.id}\n`)
		},
		{ data: v.looseObject({}) },
	)
	process.stdout.write('ready\n')
}

main(connectionString, Number(leaseSeconds), mode).catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
	process.exitCode = 1
})
