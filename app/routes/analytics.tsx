import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { AnalyticsHeader, AnalyticsReportView } from '#app/components/analytics/analytics-view.tsx'
import { RangePicker } from '#app/components/analytics/range-picker.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { isRefusal } from '#server/domain/refusal.ts'
import { AnalyticsQuerySchema, rangeSearch } from '#server/domain/usage/schema.ts'

/**
 * Usage for a range of UTC days (`?range=month|30d`, or `?range=custom&from=…&to=…`). A bad range re-renders the
 * picker with the dates as typed and the reason (400), never an error page.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const fields = readQuery(request)
	const query = parseWith(AnalyticsQuerySchema, fields)
	const typed = { from: fields.from ?? '', to: fields.to ?? '' }
	if (!query.ok) {
		const field = query.fields.to && !query.fields.from ? 'to' : 'from'
		const message = Object.values(query.fields)[0]?.[0] ?? 'Check the dates.'
		return data({ report: null, error: { field, message } as const, typed }, { status: 400 })
	}
	const report = await context.services.usage.report(user, query.value)
	if (isRefusal(report)) {
		const field = report.fields?.to ? ('to' as const) : ('from' as const)
		return data({ report: null, error: { field, message: report.message }, typed }, { status: report.status })
	}
	return { report, error: null, typed }
}

export default function Analytics() {
	const { report, error, typed } = useLoaderData<typeof loader>()
	const state = report
		? { kind: report.range.kind, from: report.range.from, to: report.range.to }
		: { kind: 'custom' as const, from: typed.from, to: typed.to, error: error ?? undefined }
	return (
		<div className="mx-auto max-w-6xl space-y-6">
			<AnalyticsHeader search={report ? rangeSearch(report.range) : null} />
			<RangePicker state={state} />
			{report ? <AnalyticsReportView report={report} /> : null}
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Analytics · Generation Studio' }]

// An error here keeps the shell around the message.
export const ErrorBoundary = RouteErrorBoundary
