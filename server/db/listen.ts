/**
 * Postgres notifications (LISTEN/NOTIFY) for this process, on a connection of their own that is kept open: when
 * it drops (a database restart, a network fault) it is opened again with a growing pause, and `onNotify` runs once
 * after every reconnection too, since a notification sent while nobody listened is lost. The embedded database
 * has one process, which changes and reads its own state, so only the Postgres driver needs this.
 */
import pg from 'pg'
import { logger } from '#server/logger.ts'
import { errorMessage } from './common.ts'

export type NotificationListener = {
	/** Resolves once the channel is listened to (or the first attempt failed and a retry is scheduled). */
	ready: Promise<void>
	close(): Promise<void>
}

export function listenForNotifications(options: {
	connectionString: string
	channel: string
	onNotify: () => void
	/** Pause before the first reconnection, doubled after each failure up to `maxRetryMs`. */
	retryMs?: number
	maxRetryMs?: number
}): NotificationListener {
	const { connectionString, channel, onNotify } = options
	const minRetry = options.retryMs ?? 1000
	const maxRetry = options.maxRetryMs ?? 30_000
	let retry = minRetry
	let client: pg.Client | null = null
	let timer: NodeJS.Timeout | null = null
	let closed = false
	let lost = false

	function scheduleReconnect() {
		if (closed || timer) return
		timer = setTimeout(() => {
			timer = null
			void connect()
		}, retry)
		timer.unref()
		retry = Math.min(retry * 2, maxRetry)
	}

	async function connect(): Promise<void> {
		if (closed) return
		const c = new pg.Client({ connectionString, application_name: `notifications:${channel}` })
		// An error on an idle client ends it; 'end' below reconnects.
		c.on('error', error => {
			if (!closed) logger.warn('database notifications: connection lost', { channel, error: errorMessage(error) })
		})
		c.on('end', () => {
			if (client !== c) return
			client = null
			lost = true
			scheduleReconnect()
		})
		c.on('notification', message => {
			if (message.channel === channel) onNotify()
		})
		try {
			await c.connect()
			await c.query(`listen ${c.escapeIdentifier(channel)}`)
			if (closed) {
				await c.end()
				return
			}
			client = c
			retry = minRetry
			if (lost) {
				lost = false
				logger.info('database notifications: listening again', { channel })
				onNotify()
			}
		} catch (error) {
			lost = true
			logger.warn('database notifications: could not listen; retrying', {
				channel,
				retryMs: retry,
				error: errorMessage(error),
			})
			c.end().catch(() => undefined)
			scheduleReconnect()
		}
	}

	const ready = connect()
	return {
		ready,
		async close() {
			closed = true
			if (timer) clearTimeout(timer)
			const c = client
			client = null
			if (c) await c.end().catch(() => undefined)
		},
	}
}
