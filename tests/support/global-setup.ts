import { execFileSync } from 'node:child_process'

// Integration tests start the built server as a self-hoster would; build it first when it is missing or stale.
export default function setup() {
	execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' })
}
