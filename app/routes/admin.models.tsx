import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requireAdmin } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { AdminHeading } from '#app/components/admin-heading.tsx'
import { Badge, Cell, DataTable } from '#app/components/data-table.tsx'
import { ModelActionSchema } from '#server/domain/admin/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: { action: 'admin', loader: 'admin_read' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireAdmin(request, context)
	const models = context.services.models.list().map(m => ({
		id: m.id,
		provider: m.provider,
		name: m.displayName,
		capabilities: m.capabilities,
		prices: m.prices,
		enabled: m.enabled,
		available: m.available,
		configured: context.services.providers.isConfigured(m.provider),
	}))
	return { models }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const admin = await requireAdmin(request, context)
	const parsed = parseWith(ModelActionSchema, await readForm(request))
	if (!parsed.ok) {
		const message = Object.values(parsed.fields)[0]?.[0] ?? parsed.formErrors[0] ?? 'Pick Sync, or a model to switch.'
		return data({ ok: false, message }, { status: 400 })
	}
	const input = parsed.value
	if (input.intent === 'sync') {
		const result = await context.services.models.sync()
		if ('refused' in result) return data({ ok: false, message: result.message }, { status: result.status })
		return {
			ok: true,
			message: `${result.rows.length} models synced: ${result.available} available, ${result.unavailable} not.`,
		}
	}
	const result = await context.services.admin.setModelEnabled(
		{ id: admin.id, email: admin.email },
		input.modelId,
		input.intent === 'enable',
	)
	if ('refused' in result) return data({ ok: false, message: result.message }, { status: result.status })
	return redirectWithFlash(context, '/admin/models', { kind: 'success', message: result.message })
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

type ModelView = ReturnType<typeof useLoaderData<typeof loader>>['models'][number]

function statusText(m: ModelView): { text: string; tone: 'ok' | 'bad' | 'muted' } {
	if (!m.enabled) return { text: 'Switched off', tone: 'bad' }
	if (!m.configured) return { text: 'No API key', tone: 'muted' }
	return m.available ? { text: 'Offered', tone: 'ok' } : { text: 'Not listed by provider', tone: 'muted' }
}

export default function AdminModels() {
	const { models } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const navigation = useNavigation()
	const syncing = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'sync'
	const switching = navigation.state === 'submitting' ? navigation.formData?.get('modelId') : null
	const off = models.filter(m => !m.enabled).length
	return (
		<section aria-labelledby="models-heading" className="space-y-4">
			<AdminHeading
				id="models-heading"
				title="Models"
				actions={
					<Form method="post">
						<button type="submit" name="intent" value="sync" className="btn" disabled={syncing}>
							{syncing ? 'Syncing…' : 'Sync from providers'}
						</button>
					</Form>
				}
			>
				{models.length} in the catalogue{off > 0 ? `, ${off} switched off` : ''}. A model switched off disappears from
				every studio, chat and workflow at once, and requests naming it are refused.
			</AdminHeading>
			{result ? (
				<p role="status" className={result.ok ? 'callout-success' : 'callout-danger'}>
					{result.message}
				</p>
			) : null}
			{/* On a phone the capabilities go under the name; the region scrolls sideways, by keyboard too. */}
			<DataTable
				label="Model catalogue"
				minWidth="min-w-[36rem]"
				columns={[
					{ label: 'Model' },
					{ label: 'Capabilities', className: 'hidden sm:table-cell' },
					{ label: 'Price' },
					{ label: 'Status' },
					{ label: <span className="sr-only">Switch</span> },
				]}
			>
				{models.map(m => {
					const status = statusText(m)
					return (
						<tr key={m.id} className="border-t border-line" data-model-id={m.id}>
							<Cell>
								<span className="font-medium">{m.name}</span>
								<span className="block break-all text-xs text-fg-muted">{m.id}</span>
								<span className="block text-xs text-fg-soft sm:hidden">{m.capabilities.join(', ')}</span>
							</Cell>
							<Cell className="hidden sm:table-cell">{m.capabilities.join(', ')}</Cell>
							<Cell>{priceText(m.prices)}</Cell>
							<Cell>
								<Badge
									tone={status.tone}
									className="whitespace-nowrap"
									data-model-enabled={m.enabled ? 'true' : 'false'}
								>
									{status.text}
								</Badge>
							</Cell>
							<Cell className="text-right">
								<Form method="post">
									<input type="hidden" name="modelId" value={m.id} />
									<button
										type="submit"
										name="intent"
										value={m.enabled ? 'disable' : 'enable'}
										className={
											m.enabled ? 'btn-secondary whitespace-nowrap px-3 py-1.5' : 'btn whitespace-nowrap px-3 py-1.5'
										}
										disabled={switching === m.id}
										aria-label={`${m.enabled ? 'Switch off' : 'Switch on'} ${m.name}`}
									>
										{m.enabled ? 'Switch off' : 'Switch on'}
									</button>
								</Form>
							</Cell>
						</tr>
					)
				})}
			</DataTable>
		</section>
	)
}

export const meta: MetaFunction = () => [{ title: 'Models · Administration · Generation Studio' }]

// An error here keeps the shell around the message.
export const ErrorBoundary = RouteErrorBoundary
