import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import type { ReactNode } from 'react'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requireAdmin } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { inputRefusal, readForm, readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { AdminHeading } from '#app/components/admin-heading.tsx'
import { Badge, DataTable } from '#app/components/data-table.tsx'
import { USER_FILTERS, UserActionSchema, UsersQuerySchema } from '#server/domain/admin/schema.ts'
import type { AdminUserRow } from '#server/domain/admin/index.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: { action: 'admin', loader: 'admin_read' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const admin = await requireAdmin(request, context)
	const query = parseWith(UsersQuerySchema, readQuery(request))
	if (!query.ok) {
		const message = Object.values(query.fields)[0]?.[0] ?? query.formErrors[0] ?? 'Check the address.'
		throw inputRefusal(400, 'invalid_query', message, query.fields)
	}
	const page = await context.services.admin.listUsers(query.value)
	return { ...page, query: query.value, me: admin.id }
}

type Result = { error: string; userId: string | null; fields: Record<string, string[]> }

export async function action({ request, context }: ActionFunctionArgs) {
	const admin = await requireAdmin(request, context)
	const form = await readForm(request)
	const parsed = parseWith(UserActionSchema, form)
	if (!parsed.ok) {
		const error = Object.values(parsed.fields)[0]?.[0] ?? parsed.formErrors[0] ?? 'Check the form.'
		return data<Result>({ error, userId: form.userId ?? null, fields: parsed.fields }, { status: 400 })
	}
	const result = await context.services.admin.changeUser({ id: admin.id, email: admin.email }, parsed.value)
	if ('refused' in result) {
		return data<Result>(
			{ error: result.message, userId: parsed.value.userId, fields: result.fields ?? {} },
			{ status: result.status },
		)
	}
	const url = new URL(request.url)
	return redirectWithFlash(context, `${url.pathname}${url.search}`, { kind: 'success', message: result.message })
}

const FILTER_LABELS: Record<(typeof USER_FILTERS)[number], string> = {
	all: 'Everyone',
	active: 'Active',
	disabled: 'Disabled',
	admins: 'Administrators',
}

export default function AdminUsers() {
	const { users, total, pages, query, me } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const pageLink = (page: number) => {
		const params = new URLSearchParams()
		if (query.q) params.set('q', query.q)
		if (query.status !== 'all') params.set('status', query.status)
		if (page > 1) params.set('page', String(page))
		const search = params.toString()
		return search ? `?${search}` : '.'
	}
	const searchForm = (
		<Form method="get" role="search" className="flex flex-wrap items-end gap-2">
			<label className="block text-sm">
				<span className="sr-only">Search by e-mail or name</span>
				<input
					type="search"
					name="q"
					defaultValue={query.q}
					placeholder="E-mail or name"
					className="field w-56"
					maxLength={200}
				/>
			</label>
			<label className="block text-sm">
				<span className="sr-only">Status</span>
				<select name="status" defaultValue={query.status} className="field w-auto">
					{USER_FILTERS.map(f => (
						<option key={f} value={f}>
							{FILTER_LABELS[f]}
						</option>
					))}
				</select>
			</label>
			<button type="submit" className="btn-secondary">
				Search
			</button>
		</Form>
	)
	return (
		<section aria-labelledby="users-heading" className="space-y-4">
			<AdminHeading id="users-heading" title="Users" actions={searchForm}>
				{total} {total === 1 ? 'account' : 'accounts'}
				{query.q || query.status !== 'all' ? ' match' : ''}. Spend is this calendar month (UTC).
			</AdminHeading>
			{result ? (
				<p role="alert" className="callout-danger">
					{result.error}
				</p>
			) : null}
			{users.length === 0 ? (
				<p className="card text-sm text-fg-muted">
					No account matches. <Link to=".">Show everyone</Link>.
				</p>
			) : (
				<DataTable
					label="Accounts"
					minWidth="min-w-[56rem]"
					columns={[
						{ label: 'Account' },
						{ label: 'Role' },
						{ label: 'This month' },
						{ label: 'Monthly budget' },
						{ label: 'Status' },
					]}
				>
					{users.map(user => (
						<UserRow
							key={user.id}
							user={user}
							isMe={user.id === me}
							error={result?.userId === user.id ? result : null}
						/>
					))}
				</DataTable>
			)}
			{pages > 1 ? (
				<nav aria-label="Pages" className="flex items-center gap-3 text-sm">
					{query.page > 1 ? <Link to={pageLink(query.page - 1)}>Previous</Link> : null}
					<span className="text-fg-muted">
						Page {query.page} of {pages}
					</span>
					{query.page < pages ? <Link to={pageLink(query.page + 1)}>Next</Link> : null}
				</nav>
			) : null}
		</section>
	)
}

function UserRow({
	user,
	isMe,
	error,
}: {
	user: AdminUserRow
	isMe: boolean
	error: { fields: Record<string, string[]> } | null
}) {
	const navigation = useNavigation()
	const busy = navigation.state === 'submitting' && navigation.formData?.get('userId') === user.id
	const share = user.budgetMicros > 0 ? Math.min(100, (user.monthSpentMicros / user.budgetMicros) * 100) : 100
	const budgetError = error?.fields.budget?.[0]
	const budgetId = `budget-${user.id}`
	return (
		<tr className="border-t border-line align-top" data-user-id={user.id}>
			<td className="px-3 py-3">
				<span className="block font-medium">
					{user.name || '—'}
					{isMe ? <span className="ml-2 rounded bg-accent-soft px-1.5 py-0.5 text-xs text-fg">You</span> : null}
				</span>
				<span className="block break-all text-fg-soft">{user.email}</span>
				<span className="block text-xs text-fg-muted">Joined {user.createdAt.slice(0, 10)}</span>
			</td>
			<td className="px-3 py-3">
				<UserForm userId={user.id} className="flex items-center gap-2" intent="role" submit="Save" busy={busy}>
					<label>
						<span className="sr-only">Role of {user.email}</span>
						<select name="role" defaultValue={user.role} className="field w-auto py-1.5">
							<option value="user">User</option>
							<option value="admin">Administrator</option>
						</select>
					</label>
				</UserForm>
			</td>
			<td className="px-3 py-3">
				<span className="block tabular-nums">
					{formatUsd(user.monthSpentMicros)} <span className="text-fg-muted">of {formatUsd(user.budgetMicros)}</span>
				</span>
				<div
					role="meter"
					aria-label={`Share of ${user.email}'s budget used`}
					aria-valuemin={0}
					aria-valuemax={100}
					aria-valuenow={Math.round(share)}
					aria-valuetext={`${share.toFixed(0)}%`}
					className="mt-1.5 h-1.5 w-32 overflow-hidden rounded-full bg-raised"
				>
					<div
						className={`h-full rounded-full ${share >= 90 ? 'bg-danger-solid' : 'bg-accent'}`}
						style={{ width: `${share}%` }}
					/>
				</div>
			</td>
			<td className="px-3 py-3">
				<UserForm userId={user.id} className="flex items-start gap-2" intent="budget" submit="Set" busy={busy}>
					<label className="block">
						<span className="sr-only">Monthly budget of {user.email}, in US dollars</span>
						<span className="flex items-center gap-1">
							<span aria-hidden="true" className="text-fg-muted">
								$
							</span>
							<input
								id={budgetId}
								name="budget"
								inputMode="decimal"
								defaultValue={user.budgetUsd === null ? '' : user.budgetUsd.toFixed(2)}
								placeholder="default"
								className="field w-24 py-1.5"
								aria-invalid={budgetError ? true : undefined}
								aria-describedby={budgetError ? `${budgetId}-error` : undefined}
							/>
						</span>
						{budgetError ? (
							<span id={`${budgetId}-error`} className="mt-1 block max-w-[12rem] text-xs text-danger">
								{budgetError}
							</span>
						) : null}
					</label>
				</UserForm>
			</td>
			<td className="px-3 py-3">
				<Form method="post" className="flex flex-wrap items-center gap-2">
					<input type="hidden" name="userId" value={user.id} />
					{user.disabledAt ? (
						<>
							<Badge tone="bad" data-user-status="disabled">
								Disabled
							</Badge>
							<button type="submit" name="intent" value="enable" className="btn-secondary px-3 py-1.5" disabled={busy}>
								Enable
							</button>
						</>
					) : (
						<>
							<Badge tone="ok" data-user-status="active">
								Active
							</Badge>
							{isMe ? null : (
								<button
									type="submit"
									name="intent"
									value="disable"
									className="btn-danger px-3 py-1.5"
									disabled={busy}
									aria-label={`Disable ${user.email}`}
								>
									Disable
								</button>
							)}
						</>
					)}
				</Form>
			</td>
		</tr>
	)
}

/** A form about one user: its fields, then the button that sends them under its intent. */
function UserForm({
	userId,
	className,
	intent,
	submit,
	busy,
	children,
}: {
	userId: string
	className: string
	intent: string
	submit: string
	busy: boolean
	children: ReactNode
}) {
	return (
		<Form method="post" className={className}>
			<input type="hidden" name="userId" value={userId} />
			{children}
			<button type="submit" name="intent" value={intent} className="btn-secondary px-3 py-1.5" disabled={busy}>
				{submit}
			</button>
		</Form>
	)
}

export const meta: MetaFunction = () => [{ title: 'Users · Administration · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
