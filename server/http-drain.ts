/**
 * Draining an HTTP server without resetting anyone's connection (SIGTERM under keep-alive load).
 *
 * Node's `server.close()` destroys every keep-alive socket it sees as idle at that instant. Under load, a socket
 * the server sees as idle usually already carries the client's next request, still unread in the kernel's buffer
 * or on the wire: destroying it answers that request with a reset. So the drain works per connection instead:
 *
 * - the listener closes at once (new connections are refused, which a client or balancer handles cleanly);
 * - a response not yet started, and every request that arrives from now on, is answered with `Connection: close`,
 *   so the client learns from the answer itself that the connection ends there;
 * - a connection that stays idle for `idleGraceMs` (or already has) is closed with a FIN: a client that was
 *   about to reuse it has had that long to send its request (and the server to read it), and one that had not
 *   was not using it;
 * - long-lived responses (event streams) end by themselves when the process's shutdown signal fires (see
 *   server/lifecycle.ts);
 * - whatever is still open at the deadline is cut, and the count is logged.
 */
import type http from 'node:http'
import type { Socket } from 'node:net'

type ConnectionState = { inFlight: Set<http.ServerResponse>; idleSince: number; timer?: NodeJS.Timeout }

export type DrainResult = { forced: number; durationMs: number }

export type HttpDrain = {
	readonly draining: boolean
	/** Resolves when every connection has closed, or when `timeoutMs` passed and the rest were cut. */
	drain(options: { timeoutMs: number; idleGraceMs?: number }): Promise<DrainResult>
}

export const DEFAULT_IDLE_GRACE_MS = 1_000
/** How long a connection we closed may stay half-open before it is dropped. */
const CLOSE_WAIT_MS = 1_000

export function trackConnections(server: http.Server): HttpDrain {
	const connections = new Map<Socket, ConnectionState>()
	let draining = false
	let graceMs = DEFAULT_IDLE_GRACE_MS

	// Idle connections are closed by the drain below, after their grace, not by close() at the instant of the signal.
	server.closeIdleConnections = () => undefined

	function closeWhenIdle(socket: Socket, state: ConnectionState) {
		clearTimeout(state.timer)
		if (!draining || state.inFlight.size > 0 || socket.destroyed) return
		const wait = Math.max(0, state.idleSince + graceMs - Date.now())
		state.timer = setTimeout(() => {
			// Timers run before the event loop reads sockets: a request that arrived while the loop was busy (a long
			// render, a garbage collection) is still unread. setImmediate runs after that read, so it sees the request.
			setImmediate(() => {
				if (state.inFlight.size > 0 || socket.destroyed || Date.now() - state.idleSince < graceMs) return
				socket.end()
				// A client that never answers our FIN with its own would hold the drain until its deadline.
				setTimeout(() => socket.destroy(), CLOSE_WAIT_MS).unref()
			})
		}, wait)
		state.timer.unref()
	}

	server.on('connection', (socket: Socket) => {
		const state: ConnectionState = { inFlight: new Set(), idleSince: Date.now() }
		connections.set(socket, state)
		socket.once('close', () => {
			clearTimeout(state.timer)
			connections.delete(socket)
		})
	})

	// Before the application's own listener, so a request that starts during the drain is marked first.
	server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
		const socket = req.socket
		const state = connections.get(socket)
		if (!state) return
		clearTimeout(state.timer)
		state.inFlight.add(res)
		if (draining) res.setHeader('Connection', 'close')
		res.once('close', () => {
			state.inFlight.delete(res)
			state.idleSince = Date.now()
			closeWhenIdle(socket, state)
		})
	})

	return {
		get draining() {
			return draining
		},
		async drain({ timeoutMs, idleGraceMs = DEFAULT_IDLE_GRACE_MS }) {
			const started = Date.now()
			draining = true
			graceMs = idleGraceMs
			const closed = new Promise<void>(resolve => server.close(() => resolve()))
			for (const [socket, state] of connections) {
				for (const res of state.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close')
				closeWhenIdle(socket, state)
			}
			let forced = 0
			const deadline = new Promise<void>(resolve => {
				const timer = setTimeout(() => {
					forced = connections.size
					for (const socket of connections.keys()) socket.destroy()
					resolve()
				}, timeoutMs)
				void closed.then(() => {
					clearTimeout(timer)
					resolve()
				})
			})
			await deadline
			await closed
			return { forced, durationMs: Date.now() - started }
		},
	}
}
