// Builds the Remix app with the classic compiler exactly as `remix build` does, then closes the compiler.
//
// `remix build` leaves its esbuild contexts open and lets Node exit under them; now and then the esbuild
// service (a Go process) sees its pipe close while a context is still alive and dies printing a goroutine
// dump after "built" (https://github.com/evanw/esbuild/issues/2727 describes the race). Disposing the
// contexts first lets the service exit cleanly. Calling the compiler directly also skips the CLI's start-up,
// which loads Vite's deprecated CommonJS API only to warn about it; the classic compiler does not use Vite.
import { rmSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
// @remix-run/dev has no "exports" map; these are the modules its `build` command uses (pinned version).
const { readConfig } = require('@remix-run/dev/dist/config.js')
const { create } = require('@remix-run/dev/dist/compiler/compiler.js')
const { createFileWatchCache } = require('@remix-run/dev/dist/compiler/fileWatchCache.js')
const { logger } = require('@remix-run/dev/dist/tux/logger.js')

const mode = process.env.NODE_ENV === 'development' ? 'development' : 'production'
const started = Date.now()
logger.info(`building... (NODE_ENV=${mode})`)
const config = await readConfig(process.cwd())
rmSync(config.assetsBuildDirectory, { recursive: true, force: true })
mkdirSync(config.assetsBuildDirectory, { recursive: true })
const compiler = await create({
	config,
	options: { mode, sourcemap: false },
	fileWatchCache: createFileWatchCache(),
	logger,
})
try {
	await compiler.compile()
} catch (error) {
	process.exitCode = 1
	logger.error(error instanceof Error ? error.message : String(error))
} finally {
	await compiler.dispose()
}
if (!process.exitCode) logger.info(`built (${((Date.now() - started) / 1000).toFixed(1)}s)`)
