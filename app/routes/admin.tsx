import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Outlet } from '@remix-run/react'
import { SectionTabs } from '#app/components/section-tabs.tsx'
import { requireAdmin } from '#app/utils/auth.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// Every admin page answers 403 to a signed-in user who is not an administrator (requireAdmin), here and in
// each section's own loader and action.
export const handle: RouteHandle = { rateLimit: { loader: 'admin_read' } }

const SECTIONS = [
	{ to: '/admin/users', label: 'Users' },
	{ to: '/admin/models', label: 'Models' },
	{ to: '/admin/status', label: 'Status' },
	{ to: '/admin/audit', label: 'Audit log' },
] as const

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireAdmin(request, context)
	return null
}

export default function Admin() {
	return (
		<div className="space-y-6">
			<div>
				<h1 className="text-2xl font-bold">Administration</h1>
				<p className="mt-1 text-sm text-fg-muted">
					Accounts, models and the health of this server. Every change here is written to the audit log.
				</p>
			</div>
			<SectionTabs label="Administration" sections={SECTIONS} />
			<Outlet />
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Administration · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
