import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import {
	Form,
	isRouteErrorResponse,
	Link,
	Links,
	Meta,
	NavLink,
	Outlet,
	Scripts,
	ScrollRestoration,
	useRouteError,
	useRouteLoaderData,
} from '@remix-run/react'
import type { ReactNode } from 'react'
import { AREAS } from './components/areas.ts'
import { getUser } from './utils/auth.server.ts'
import stylesheet from './tailwind.css'
import { useNonce } from './utils/nonce.tsx'

export const links: LinksFunction = () => [
	{ rel: 'stylesheet', href: stylesheet },
	{ rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export const meta: MetaFunction = () => [{ title: 'Generation Studio' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await getUser(request, context)
	return { requestId: context.requestId, user: user ? { name: user.name, email: user.email, role: user.role } : null }
}

export function Layout({ children }: { children: ReactNode }) {
	const nonce = useNonce()
	return (
		<html lang="en" className="h-full">
			<head>
				<meta charSet="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<Meta />
				<Links />
			</head>
			<body className="flex min-h-full flex-col">
				<a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2">
					Skip to content
				</a>
				<SiteHeader />
				<main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6">
					{children}
				</main>
				<ScrollRestoration nonce={nonce} />
				<Scripts nonce={nonce} />
			</body>
		</html>
	)
}

function SiteHeader() {
	return (
		<header className="border-b border-zinc-800 bg-zinc-950/90">
			<div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
				<a href="/" className="text-lg font-bold text-zinc-100 no-underline hover:no-underline">
					Generation Studio
				</a>
				<nav aria-label="Main" className="-mx-1 flex max-w-full flex-wrap gap-1 text-sm">
					{AREAS.map(area => (
						<NavLink
							key={area.to}
							to={area.to}
							prefetch="intent"
							className={({ isActive }) =>
								`whitespace-nowrap rounded px-2 py-1 no-underline hover:bg-zinc-800 hover:no-underline ${
									isActive ? 'bg-zinc-800 text-white' : 'text-zinc-300'
								}`
							}
						>
							{area.label}
						</NavLink>
					))}
				</nav>
				<AccountMenu />
			</div>
		</header>
	)
}

/** Sign in, or the signed-in user's name and a sign-out form (a POST: a link or prefetch must not sign out). */
function AccountMenu() {
	const user = useRouteLoaderData<typeof loader>('root')?.user
	if (!user) {
		return (
			<Link to="/login" className="btn-secondary ml-auto py-1">
				Sign in
			</Link>
		)
	}
	return (
		<div className="ml-auto flex items-center gap-3 text-sm">
			{user.role === 'admin' ? (
				<Link to="/admin/models" className="text-zinc-300">
					Models
				</Link>
			) : null}
			<Link to="/settings" className="max-w-[12rem] truncate text-zinc-200" title={user.email}>
				{user.name || user.email}
			</Link>
			<Form method="post" action="/logout">
				<button type="submit" className="btn-secondary py-1">
					Sign out
				</button>
			</Form>
		</div>
	)
}

export default function App() {
	return <Outlet />
}

export function ErrorBoundary() {
	const error = useRouteError()
	const data = useRouteLoaderData<typeof loader>('root')
	const requestId = data?.requestId
	const status = isRouteErrorResponse(error) ? error.status : 500
	const title =
		status === 404
			? 'Page not found'
			: status === 403
				? 'Not allowed'
				: status === 429
					? 'Too many requests'
					: 'Something went wrong'
	const message =
		isRouteErrorResponse(error) && typeof error.data === 'object' && error.data && 'error' in error.data
			? String((error.data as { error: { message?: unknown } }).error.message ?? '')
			: status === 404
				? 'There is nothing at this address. Check the link, or start from the home page.'
				: status === 500
					? 'The error has been logged. Try again in a moment; if it keeps happening, quote the reference below.'
					: ''
	return (
		<section className="mx-auto max-w-xl py-16 text-center" data-error-status={status}>
			<p className="text-sm font-semibold text-sky-300">{status}</p>
			<h1 className="mt-2 text-3xl font-bold">{title}</h1>
			{message ? <p className="mt-4 text-zinc-300">{message}</p> : null}
			{requestId ? (
				<p className="mt-6 text-sm text-zinc-400">
					Reference: <code data-request-id>{requestId}</code>
				</p>
			) : null}
			<p className="mt-8">
				<a href="/" className="btn-secondary">
					Go to the home page
				</a>
			</p>
		</section>
	)
}
