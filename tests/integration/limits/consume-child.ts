/**
 * Run as a separate process by shared.test.ts: consumes from the same Redis as the test, to prove that the
 * limit is shared across processes. Prints the results as one JSON line.
 * Usage: node --import tsx consume-child.ts <redisUrl> <keyPrefix> <policy> <times> <overridesJson> <subjectJson>
 */
import { createLimits, isPolicyName, type LimitResult, type PolicyName } from '#server/limits/index.ts'

const [redisUrl, keyPrefix, policy, times, overrides, subject] = process.argv.slice(2)
if (!redisUrl || !keyPrefix || !policy || !isPolicyName(policy) || !times || !overrides || !subject) {
	throw new Error('usage: consume-child.ts <redisUrl> <keyPrefix> <policy> <times> <overridesJson> <subjectJson>')
}

// No top-level await: the package is CommonJS, so tsx compiles this file as such.
async function main(url: string, prefix: string, name: PolicyName, count: number) {
	const limits = await createLimits({ redisUrl: url, keyPrefix: prefix, overrides: JSON.parse(overrides ?? '{}') })
	const health = await limits.health()
	const results: LimitResult[] = []
	for (let i = 0; i < count; i++) results.push(await limits.consume(name, JSON.parse(subject ?? '{}')))
	await limits.close()
	process.stdout.write(`${JSON.stringify({ pid: process.pid, health, results })}\n`)
}

main(redisUrl, keyPrefix, policy, Number(times)).catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
	process.exitCode = 1
})
