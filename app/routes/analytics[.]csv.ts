import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { isRefusal } from '#server/domain/refusal.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { usageCsv } from '#server/domain/usage/csv.ts'
import { AnalyticsQuerySchema } from '#server/domain/usage/schema.ts'

// A download reads up to a year of the rollup: its own per-user policy, like the page's other reads are not.
export const handle: RouteHandle = { rateLimit: { loader: 'analytics' } }

/** `/analytics.csv?range=…&from=…&to=…`: the page's range as CSV, one line per UTC day, model and capability. */
export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const query = parseWith(AnalyticsQuerySchema, readQuery(request))
	if (!query.ok) {
		const message = Object.values(query.fields)[0]?.[0] ?? 'Check the dates.'
		return text(400, `${message}\n`)
	}
	const made = await context.services.usage.export(user, query.value)
	if (isRefusal(made)) return text(made.status, `${made.message}\n`)
	const { from, to } = made.range
	return new Response(usageCsv(made.groups), {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="usage-${from}-to-${to}.csv"`,
			'Cache-Control': 'private, no-store',
			'X-Content-Type-Options': 'nosniff',
		},
	})
}

function text(status: number, body: string) {
	return new Response(body, {
		status,
		headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
	})
}
