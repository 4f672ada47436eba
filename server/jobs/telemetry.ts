/**
 * The job engine's metrics: how long jobs wait before a worker takes them and how long they run, and, per queue,
 * how many jobs wait and how long the oldest has waited (read from the job table when a metric reader collects,
 * so an idle process pays nothing between exports).
 *
 * https://opentelemetry.io/docs/specs/semconv/messaging/messaging-metrics/
 */
import { context, metrics, trace, ValueType, type BatchObservableResult } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import type { Db } from '#server/db/index.ts'

/** `messaging.system` on job spans and metrics (not one of the convention's well-known values; none fits). */
export const MESSAGING_SYSTEM = 'pg-boss'

/** The attributes every span of a job carries: sending it (`send`, the producer) or running it (`process`). */
export function messagingAttributes(operation: 'send' | 'process', queue: string) {
	return {
		'messaging.system': MESSAGING_SYSTEM,
		'messaging.operation.type': operation,
		'messaging.operation.name': operation,
		'messaging.destination.name': queue,
	}
}

export type JobMetrics = {
	waited(queue: string, seconds: number): void
	processed(queue: string, seconds: number, errorType: string | undefined): void
	/** Stops reporting queue depth (the engine stopped). */
	close(): void
}

const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

export function createJobMetrics(
	db: Db,
	schema: string,
	queues: readonly string[],
	running: () => boolean,
): JobMetrics {
	const meter = metrics.getMeter('generation-studio.jobs')
	const processDuration = meter.createHistogram('messaging.process.duration', {
		description: 'Duration of processing one job',
		unit: 's',
		advice: { explicitBucketBoundaries: DURATION_BUCKETS },
	})
	const waitDuration = meter.createHistogram('generation_studio.job.wait.duration', {
		description: 'Time from when a job could run until a worker started it',
		unit: 's',
		advice: { explicitBucketBoundaries: DURATION_BUCKETS },
	})
	const depth = meter.createObservableGauge('generation_studio.job.queue.depth', {
		description: 'Jobs waiting in the queue (queued or waiting for a retry), scheduled ones included',
		unit: '{job}',
		valueType: ValueType.INT,
	})
	const oldestAge = meter.createObservableGauge('generation_studio.job.queue.oldest_age', {
		description: 'How long the oldest job that could run has been waiting',
		unit: 's',
	})

	const observe = async (result: BatchObservableResult) => {
		if (!running()) return
		// Not a trace of its own: the reader asks every export interval.
		const { rows } = await context
			.with(suppressTracing(context.active()), () =>
				db.privilegedExecuteSql(
					`select name, count(*)::int as depth,
					 coalesce(extract(epoch from now() - min(start_after) filter (where start_after <= now())), 0)::float8 as oldest
					 from ${schema}.job where state in ('created', 'retry') group by name`,
				),
			)
			.catch(() => ({ rows: [] as Array<Record<string, unknown>> }))
		const byQueue = new Map(rows.map(row => [String(row.name), row]))
		for (const queue of queues) {
			const row = byQueue.get(queue)
			const attributes = { 'messaging.system': MESSAGING_SYSTEM, 'messaging.destination.name': queue }
			result.observe(depth, Number(row?.depth ?? 0), attributes)
			result.observe(oldestAge, Number(row?.oldest ?? 0), attributes)
		}
	}
	meter.addBatchObservableCallback(observe, [depth, oldestAge])

	return {
		waited(queue, seconds) {
			waitDuration.record(seconds, { 'messaging.system': MESSAGING_SYSTEM, 'messaging.destination.name': queue })
		},
		processed(queue, seconds, errorType) {
			processDuration.record(seconds, {
				'messaging.system': MESSAGING_SYSTEM,
				'messaging.destination.name': queue,
				'messaging.operation.name': 'process',
				...(errorType ? { 'error.type': errorType } : {}),
			})
		},
		close() {
			meter.removeBatchObservableCallback(observe, [depth, oldestAge])
		},
	}
}

/**
 * The queue's own statements (pg-boss fetching, maintenance and completion, our start-up recovery) run on timers,
 * outside any request or job: traced, each would be a root trace, several a second while idle. Inside a span
 * (a request asking for the queue's health, say) they stay visible.
 */
export function untraced<T>(fn: () => Promise<T>): Promise<T> {
	return trace.getActiveSpan() ? fn() : context.with(suppressTracing(context.active()), fn)
}
