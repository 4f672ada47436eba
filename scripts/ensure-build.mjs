// `npm start` on a fresh clone: build once if there is no build, or if the sources are newer than it.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

const outputs = ['build/server.js', 'build/telemetry.js', 'build/remix/index.js']
const sources = ['app', 'server', 'server.ts', 'remix.config.js', 'tailwind.config.ts', 'package.json']

function newest(p) {
	if (!existsSync(p)) return 0
	const stat = statSync(p)
	if (!stat.isDirectory()) return stat.mtimeMs
	return Math.max(0, ...readdirSync(p).map(name => newest(path.join(p, name))))
}

const built = Math.min(...outputs.map(o => (existsSync(o) ? statSync(o).mtimeMs : 0)))
if (built === 0 || Math.max(...sources.map(newest)) > built) {
	process.stderr.write('Building Generation Studio (first start, or sources changed)...\n')
	// Always a production build: the test runner's NODE_ENV=test must not leak into the bundle.
	execSync('npm run build', { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
}
