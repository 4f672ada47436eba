/**
 * `npm run bench`: every budget, measured on the built product. Prints figures; exits 1 if a budget fails.
 * `npm run bench -- http chat` runs only those files. `BENCH_RUNS=3` repeats the page and chat measurements and
 * prints medians (the machine is shared, so single runs are noisy).
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

type BenchModule = Record<string, unknown>

const only = process.argv.slice(2)
const dir = path.resolve('tests/bench')

async function main() {
	const files = readdirSync(dir)
		.filter(f => f.endsWith('.bench.ts'))
		.filter(f => only.length === 0 || only.some(o => f.startsWith(o)))
		.sort()

	let failed = false
	for (const file of files) {
		process.stdout.write(`\n== ${file}\n`)
		const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as BenchModule
		for (const [name, fn] of Object.entries(mod)) {
			if (!/^run\w*Bench$/.test(name) || typeof fn !== 'function') continue
			const result: unknown = await (fn as () => Promise<unknown>)()
			if (typeof result === 'object' && result !== null && 'pass' in result && result.pass === false) failed = true
		}
	}
	process.exit(failed ? 1 : 0)
}

void main()
