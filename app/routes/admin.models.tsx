import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requireAdmin } from '#app/utils/auth.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

export const handle = { rateLimit: { action: 'write' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireAdmin(request, context)
	const models = context.services.models.list().map(m => ({
		id: m.id,
		provider: m.provider,
		name: m.displayName,
		capabilities: m.capabilities,
		prices: m.prices,
		available: m.available,
		configured: context.services.providers.isConfigured(m.provider),
	}))
	return { models }
}

export async function action({ request, context }: ActionFunctionArgs) {
	await requireAdmin(request, context)
	const result = await context.services.models.sync()
	if ('refused' in result) return data({ ok: false, message: result.message }, { status: result.status })
	return {
		ok: true,
		message: `${result.rows.length} models synced: ${result.available} available, ${result.unavailable} not.`,
	}
}

/** Micro-dollars per unit, shown per 1M tokens / per image / per second / per 1k characters as vendors list them. */
function priceText(prices: Record<string, number | undefined>): string {
	const parts: string[] = []
	if (prices.inputToken) parts.push(`$${prices.inputToken.toFixed(2)} / 1M in`)
	if (prices.outputToken) parts.push(`$${prices.outputToken.toFixed(2)} / 1M out`)
	if (prices.image) parts.push(`$${(prices.image / 1e6).toFixed(3)} / image`)
	if (prices.second) parts.push(`$${(prices.second / 1e6).toFixed(4)} / second`)
	if (prices.character) parts.push(`$${((prices.character * 1000) / 1e6).toFixed(4)} / 1k chars`)
	return parts.length > 0 ? parts.join(', ') : 'free'
}

export default function AdminModels() {
	const { models } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	return (
		<section className="space-y-4">
			<div className="flex flex-wrap items-center justify-between gap-3">
				<h1 className="text-2xl font-bold">Models</h1>
				<Form method="post">
					<button type="submit" className="btn" disabled={busy}>
						{busy ? 'Syncing…' : 'Sync from providers'}
					</button>
				</Form>
			</div>
			{result ? (
				<p role="status" className={result.ok ? 'text-success' : 'text-danger'}>
					{result.message}
				</p>
			) : null}
			{/* On a phone the capabilities go under the name, so the table fits; the region scrolls by keyboard too. */}
			{/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus (WCAG 2.1.1). */}
			<div className="overflow-x-auto" role="region" aria-label="Model catalogue" tabIndex={0}>
				<table className="w-full text-left text-sm sm:min-w-[40rem]">
					<thead className="text-fg-muted">
						<tr>
							<th className="py-2 pr-4 font-medium">Model</th>
							<th className="hidden py-2 pr-4 font-medium sm:table-cell">Capabilities</th>
							<th className="py-2 pr-4 font-medium">Price</th>
							<th className="py-2 font-medium">Status</th>
						</tr>
					</thead>
					<tbody>
						{models.map(m => (
							<tr key={m.id} className="border-t border-line">
								<td className="py-2 pr-4">
									<span className="font-medium">{m.name}</span>
									<span className="block break-all text-xs text-fg-muted">{m.id}</span>
									<span className="block text-xs text-fg-soft sm:hidden">{m.capabilities.join(', ')}</span>
								</td>
								<td className="hidden py-2 pr-4 sm:table-cell">{m.capabilities.join(', ')}</td>
								<td className="py-2 pr-4">{priceText(m.prices)}</td>
								<td className="py-2">{!m.configured ? 'no API key' : m.available ? 'available' : 'not listed'}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</section>
	)
}

export const meta: MetaFunction = () => [{ title: 'Models · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
