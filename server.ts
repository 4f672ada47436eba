/**
 * The process entry: configuration first (fail fast, every problem at once), then services, then HTTP
 * and/or the job worker, and a graceful drain on SIGTERM/SIGINT. Telemetry is already running: it is
 * loaded before this file by `node --import ./build/telemetry.js`.
 */
import http from 'node:http'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { createApp, createProbeApp } from './server/app.ts'
import { trackConnections } from './server/http-drain.ts'
import type { HttpDrain } from './server/http-drain.ts'
import { ConfigError } from './server/config.ts'
import type { Config } from './server/config.ts'
import { configureLogger, logger } from './server/logger.ts'
import { createServices } from './server/services.ts'
import type { Services } from './server/services.ts'
import { checkStartup, StartupError } from './server/startup.ts'
import { describeTelemetry, shutdownTelemetry } from './server/telemetry-handle.ts'

/** A configuration problem is a sentence for the operator, not a stack trace. */
function refuseToStart(error: ConfigError): never {
	process.stderr.write(`Generation Studio cannot start. ${error.message}\nSee .env.example for every variable.\n`)
	process.exit(1)
}

function readConfig(): Config {
	try {
		return checkStartup()
	} catch (error) {
		if (error instanceof ConfigError) refuseToStart(error)
		throw error
	}
}

async function main() {
	const config = readConfig()
	configureLogger({ level: config.logLevel, json: config.isProduction })
	logger.info('starting', { role: config.role, env: config.env })
	const telemetry = describeTelemetry()
	logger.info(telemetry.message, { telemetry: telemetry.exported })

	// A fault in one part (a dropped database connection, a failed call nobody awaited) must not end the process:
	// it is logged, and the part that failed says so in /readyz.
	process.on('unhandledRejection', error => logger.error('unhandled promise rejection', { error }))

	const services = await createServices(config)
	let server: HttpDrain | null = null
	{
		// Pages and APIs, or only the probes for a worker. The Remix build sits next to this file once built
		// (build/server.js + build/remix/index.js).
		const app =
			config.role === 'worker'
				? createProbeApp(services)
				: createApp({
						services,
						build: (await import(path.join(__dirname, 'remix', 'index.js'))) as ServerBuild,
						publicDir: path.join(__dirname, '..', 'public'),
					})
		const listening = http.createServer(app)
		server = trackConnections(listening)
		await new Promise<void>((resolve, reject) => {
			listening.once('error', reject)
			listening.listen(config.port, config.host, resolve)
		})
		const address = listening.address()
		const port = typeof address === 'object' && address ? address.port : config.port
		logger.info(`listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`, { port })
	}
	if (config.role === 'worker' || (config.role === 'all' && config.embeddedWorker)) await services.startWorkers()

	let stopping = false
	const stop = (signal: string) => {
		if (stopping) return
		stopping = true
		void shutdown(signal, server, services, config).then(
			() => process.exit(0),
			error => {
				logger.error('shutdown failed', { error })
				process.exit(1)
			},
		)
	}
	process.on('SIGTERM', () => stop('SIGTERM'))
	process.on('SIGINT', () => stop('SIGINT'))
}

async function shutdown(signal: string, server: HttpDrain | null, services: Services, config: Config) {
	const timeoutMs = config.shutdownTimeoutMs
	logger.info('shutdown: stop accepting connections; in-flight requests are answered with Connection: close', {
		signal,
	})
	// Event streams end now with a retry hint, instead of holding the drain open until its deadline.
	services.lifecycle.drain()
	if (server) {
		const { forced, durationMs } = await server.drain({ timeoutMs })
		if (forced > 0) {
			logger.warn('shutdown: in-flight requests did not finish in time; their connections were cut', {
				connections: forced,
				timeout_ms: timeoutMs,
			})
		} else logger.info('shutdown: in-flight requests finished', { duration_ms: durationMs })
	}
	await services.close()
	logger.info('shutdown: services closed; flushing telemetry')
	// Bounded: a collector that is down must not hold the process or turn a clean drain into a failed exit.
	const flushed = await shutdownTelemetry(config.otel.flushTimeoutMs)
	if (flushed === 'timed-out') {
		logger.warn('shutdown: telemetry flush did not finish in time; the rest is dropped', {
			timeout_ms: config.otel.flushTimeoutMs,
		})
	} else if (typeof flushed === 'object') {
		logger.warn('shutdown: telemetry flush failed; the rest is dropped', { reason: flushed.failed })
	}
	logger.info('shutdown: done')
}

main().catch(error => {
	// Some configuration can only be checked against the running services (e.g. a media directory not shared).
	if (error instanceof ConfigError) refuseToStart(error)
	// A known cause (the database never answered) is one sentence; anything else is a bug and keeps its stack.
	if (error instanceof StartupError) {
		logger.error(`Generation Studio cannot start. ${error.message}`)
		process.exit(1)
	}
	logger.error('start-up failed', { error })
	process.exit(1)
})
