/**
 * Job pick-up latency on the embedded default: from the generation row and its job being committed to the
 * worker marking it running (both timestamps from the database clock). Budget: p50 under 500 ms.
 */
import { createUser } from '#tests/support/database.ts'
import { startTestServices } from '#tests/support/services.ts'

function percentile(sorted: number[], p: number) {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

export async function runJobPickupBench(count = Number(process.env.BENCH_JOBS ?? 30)) {
	const t = await startTestServices('pglite')
	const { services } = t
	try {
		const user = await createUser(services.db)
		const latencies: number[] = []
		for (let i = 0; i < count; i++) {
			const created = await services.generations.create(user, {
				kind: 'image',
				prompt: `bench ${i}`,
				model: 'offline:image',
				size: '512x512',
				n: 1,
			})
			if ('refused' in created) throw new Error(created.message)
			const id = created.generation.id
			for (;;) {
				const { rows } = await services.db.privileged(tx =>
					tx.query<{ ms: number | null; status: string }>(
						'select extract(epoch from (started_at - created_at)) * 1000 as ms, status from generations where id = $1',
						[id],
					),
				)
				const row = rows[0]
				if (row?.ms !== null && row?.ms !== undefined && row.status !== 'queued') {
					latencies.push(Number(row.ms))
					break
				}
				await services.generations.waitForChange(id, 50)
			}
		}
		latencies.sort((a, b) => a - b)
		const p50 = percentile(latencies, 50)
		const pass = p50 < 500
		process.stdout.write(
			`job pick-up (enqueue -> running), PGlite, ${count} jobs: p50 ${p50.toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, max ${percentile(latencies, 100).toFixed(1)} ms (budget: p50 < 500 ms) ${pass ? 'PASS' : 'FAIL'}\n`,
		)
		return { pass, p50 }
	} finally {
		await t.dispose()
	}
}
