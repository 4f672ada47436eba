import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data as withInit } from '@remix-run/node'
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { FlashRegion } from './components/flash.tsx'
import { RouteErrorBoundary } from './components/route-error.tsx'
import { AppShell } from './components/shell.tsx'
import { getUser } from './utils/auth.server.ts'
import stylesheet from './tailwind.css'
import { readTheme } from './utils/theme.server.ts'
import { useNonce } from './utils/nonce.tsx'
import { useMenuDismissal } from './utils/use-menu-dismissal.ts'

export const links: LinksFunction = () => [
	{ rel: 'stylesheet', href: stylesheet },
	{ rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export const meta: MetaFunction = () => [{ title: 'Generation Studio' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const [user, theme] = await Promise.all([getUser(request, context), readTheme(request)])
	// The message an action left with its redirect: read once, and the cookie cleared with this answer.
	const flash = await context.services.flash.take(request)
	const headers = new Headers()
	if (flash.clear) {
		headers.append('Set-Cookie', flash.clear)
		// A message is for this browser, this once (it may hold a new token): no cache may keep the page.
		headers.set('Cache-Control', 'no-store')
	}
	return withInit(
		{
			requestId: context.requestId,
			theme,
			user: user ? { name: user.name, email: user.email, role: user.role } : null,
			flash: flash.message,
		},
		{ headers },
	)
}

/** Pages under the root start from these headers (a flash message makes the page uncacheable). */
export const headers: HeadersFunction = ({ loaderHeaders }) => {
	const out = new Headers()
	const cacheControl = loaderHeaders.get('Cache-Control')
	if (cacheControl) out.set('Cache-Control', cacheControl)
	return out
}

export function Layout({ children }: { children: ReactNode }) {
	const nonce = useNonce()
	const data = useRouteLoaderData<typeof loader>('root')
	const theme = data?.theme ?? 'system'
	return (
		<html lang="en" data-theme={theme === 'system' ? undefined : theme}>
			<head>
				<meta charSet="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<Meta />
				<Links />
			</head>
			<body>
				<AppShell user={data?.user ?? null} theme={theme}>
					<FlashRegion flash={data?.flash} />
					{children}
				</AppShell>
				<ScrollRestoration nonce={nonce} />
				<Scripts nonce={nonce} />
			</body>
		</html>
	)
}

export default function App() {
	useMenuDismissal()
	return <Outlet />
}

/** What fails above the pages (the root loader itself); each page has its own boundary inside the shell. */
export const ErrorBoundary = RouteErrorBoundary
