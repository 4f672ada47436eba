import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { NavLink, Outlet } from '@remix-run/react'
import { requireUser } from '#app/utils/auth.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

const SECTIONS = [
	{ to: '/settings', label: 'Profile', end: true },
	{ to: '/settings/sessions', label: 'Sessions', end: false },
	{ to: '/settings/tokens', label: 'API tokens', end: false },
	{ to: '/settings/shares', label: 'Shares', end: false },
	{ to: '/settings/account', label: 'Your data', end: false },
] as const

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return { user: { name: user.name, email: user.email } }
}

export default function Settings() {
	return (
		<div className="space-y-6">
			<h1 className="text-2xl font-bold">Settings</h1>
			<nav aria-label="Settings" className="-mx-1 flex max-w-full flex-wrap gap-1 border-b border-line pb-2 text-sm">
				{SECTIONS.map(section => (
					<NavLink
						key={section.to}
						to={section.to}
						end={section.end}
						className={({ isActive }) =>
							`whitespace-nowrap rounded px-2 py-1 no-underline hover:bg-raised hover:no-underline ${
								isActive ? 'bg-raised text-fg' : 'text-fg-soft'
							}`
						}
					>
						{section.label}
					</NavLink>
				))}
			</nav>
			<Outlet />
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Settings · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
