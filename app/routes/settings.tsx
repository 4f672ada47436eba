import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Outlet } from '@remix-run/react'
import { SectionTabs } from '#app/components/section-tabs.tsx'
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
			<SectionTabs label="Settings" sections={SECTIONS} />
			<Outlet />
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Settings · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
