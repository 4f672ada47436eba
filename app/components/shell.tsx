/**
 * The app shell: skip links first, a left rail (the page's banner) with the areas on wide screens (icons only between 768 and
 * 1024 px, icon and label above), and under 768 px a top bar whose menu is a `<details>`, so it opens without
 * JavaScript. Routes shape it through their `handle.shell` (see `ShellHandle`).
 */
import { useLocation, useMatches } from '@remix-run/react'
import { APP_FORM, APP_LINK, useAppLinks } from './app-links.tsx'
import { Boxes, LogIn, LogOut, Menu, Monitor, Moon, Sparkles, Sun, UserPlus } from '#app/components/icons/index.tsx'
import type { IconComponent } from '#app/components/icons/index.tsx'
import type { ReactNode } from 'react'
import { ACCOUNT_AREAS, AREAS } from './areas.ts'

export type ThemeChoice = 'light' | 'dark' | 'system'
export type ShellUser = { name: string; email: string; role: string }

/** What a route may put in its `handle` to shape the shell. */
export type ShellHandle = {
	shell?: {
		/** The page manages its own height and scrolling (chat): no padding, no page scroll on wide screens. */
		fullBleed?: boolean
		/** More skip links after "Skip to content", e.g. to the chat's message box. */
		skipLinks?: readonly { href: string; label: string }[]
	}
}

function useShellOptions() {
	const matches = useMatches()
	let fullBleed = false
	const skipLinks: { href: string; label: string }[] = []
	for (const match of matches) {
		const handle = match.handle as ShellHandle | undefined
		if (handle?.shell?.fullBleed) fullBleed = true
		if (handle?.shell?.skipLinks) skipLinks.push(...handle.shell.skipLinks)
	}
	return { fullBleed, skipLinks }
}

export function AppShell({
	user,
	theme,
	children,
}: {
	user: ShellUser | null
	theme: ThemeChoice
	children: ReactNode
}) {
	const { fullBleed, skipLinks } = useShellOptions()
	const location = useLocation()
	// Every in-app link of the page (`data-app-link`) is handled by this one listener (./app-links.tsx).
	const links = useAppLinks()
	return (
		<>
			<div className="skip-links">
				<a
					href="#main"
					className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-lg focus:bg-accent focus:px-4 focus:py-2 focus:font-semibold focus:text-accent-fg"
				>
					Skip to content
				</a>
				{skipLinks.map(link => (
					<a
						key={link.href}
						href={link.href}
						className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-lg focus:bg-accent focus:px-4 focus:py-2 focus:font-semibold focus:text-accent-fg"
					>
						{link.label}
					</a>
				))}
			</div>
			{/* The clicks it handles are its links' own (Enter clicks a link too). */}
			{/* eslint-disable-next-line jsx-a11y/no-static-element-interactions, jsx-a11y/mouse-events-have-key-events */}
			<div className="md:flex" {...links.handlers}>
				<TopBar user={user} theme={theme} location={location} />
				<Rail user={user} theme={theme} location={location} />
				<main
					id="main"
					tabIndex={-1}
					className={fullBleed ? 'min-w-0 flex-1' : 'min-w-0 flex-1 px-4 pb-16 pt-6 md:px-8 md:pt-8'}
				>
					{fullBleed ? children : <div className="mx-auto max-w-7xl">{children}</div>}
				</main>
				{links.prefetch}
			</div>
		</>
	)
}

function Brand({ compact = false }: { compact?: boolean }) {
	return (
		<a
			{...APP_LINK}
			href="/"
			className="flex items-center gap-2.5 font-semibold text-fg no-underline hover:no-underline"
			aria-label={compact ? 'Generation Studio, home' : undefined}
		>
			<span className="flex h-8 w-8 shrink-0 items-center justify-center rounded-lg bg-accent text-accent-fg">
				<Sparkles aria-hidden="true" size={18} />
			</span>
			{/* `not-sr-only` resets white-space: the name stays on one line at every width. */}
			<span className={`truncate whitespace-nowrap ${compact ? 'sr-only lg:not-sr-only lg:whitespace-nowrap' : ''}`}>
				Generation Studio
			</span>
		</a>
	)
}

type NavItem = { to: string; label: string; icon: IconComponent; ready: boolean }

/** Whether an area's link is the page shown (or one under it), as `<NavLink>` decides it. */
function isActive(pathname: string, to: string) {
	const here = pathname.toLowerCase()
	return here === to || (here.startsWith(to) && here.charAt(to.length) === '/')
}

function NavItems({ items, rail, pathname }: { items: readonly NavItem[]; rail: boolean; pathname: string }) {
	return (
		<ul className="space-y-0.5">
			{items.map(item => {
				const active = isActive(pathname, item.to)
				return (
					<li key={item.to}>
						<a
							{...APP_LINK}
							href={item.to}
							title={rail ? item.label : undefined}
							aria-current={active ? 'page' : undefined}
							className={`group flex items-center gap-3 rounded-lg px-2.5 py-2 text-sm no-underline hover:bg-raised hover:no-underline ${
								rail ? 'justify-center lg:justify-start' : ''
							} ${active ? 'bg-raised font-semibold text-fg' : 'text-fg-soft'}`}
						>
							<item.icon
								aria-hidden="true"
								size={18}
								className={`shrink-0 ${active ? 'text-link' : 'text-fg-muted group-hover:text-fg'}`}
							/>
							<span className={rail ? 'sr-only lg:not-sr-only' : ''}>{item.label}</span>
							{item.ready ? null : (
								<span className={`ml-auto text-xs font-normal text-fg-muted ${rail ? 'hidden lg:inline' : ''}`}>
									soon
								</span>
							)}
						</a>
					</li>
				)
			})}
		</ul>
	)
}

const ADMIN_ITEMS: readonly NavItem[] = [{ to: '/admin', label: 'Admin', icon: Boxes, ready: true }]

/** Where the page is: the areas mark the current one, the theme form comes back to it. */
type Here = { key: string; pathname: string; search: string }

function Rail({ user, theme, location }: { user: ShellUser | null; theme: ThemeChoice; location: Here }) {
	const { pathname } = location
	return (
		// The column runs the page's full height (its border and background); the rail inside stays in view.
		<div className="hidden w-16 shrink-0 border-r border-line bg-surface md:block lg:w-60">
			<header className="sticky top-0 flex h-screen flex-col px-2 py-4 lg:px-3">
				<div className="px-1.5">
					<Brand compact />
				</div>
				<nav aria-label="Main" className="mt-6 flex min-h-0 flex-1 flex-col justify-between gap-4 overflow-y-auto">
					<NavItems items={AREAS} rail pathname={pathname} />
					<NavItems
						items={[...ACCOUNT_AREAS, ...(user?.role === 'admin' ? ADMIN_ITEMS : [])]}
						rail
						pathname={pathname}
					/>
				</nav>
				<div className="mt-4 space-y-3 border-t border-line pt-4">
					<ThemeSwitch theme={theme} rail here={`${location.pathname}${location.search}`} />
					<Account user={user} rail />
				</div>
			</header>
		</div>
	)
}

function TopBar({ user, theme, location }: { user: ShellUser | null; theme: ThemeChoice; location: Here }) {
	return (
		<header className="sticky top-0 z-30 flex h-14 items-center justify-between gap-3 border-b border-line bg-surface px-4 md:hidden">
			<Brand />
			{/* Keyed by the address: following a link closes the menu, as a page load would without JavaScript. */}
			<details key={location.key} className="group" data-menu="">
				<summary className="icon-btn h-10 cursor-pointer list-none gap-1.5 px-2.5 text-fg [&::-webkit-details-marker]:hidden">
					<Menu aria-hidden="true" size={20} />
					<span className="text-sm font-medium">Menu</span>
				</summary>
				<div className="absolute inset-x-0 top-14 z-40 max-h-[calc(100dvh-3.5rem)] overflow-y-auto border-b border-line bg-surface px-4 pb-5 pt-3 shadow-lg">
					<nav aria-label="Main">
						<NavItems items={AREAS} rail={false} pathname={location.pathname} />
						<div className="mt-3 border-t border-line pt-3">
							<NavItems
								items={[...ACCOUNT_AREAS, ...(user?.role === 'admin' ? ADMIN_ITEMS : [])]}
								rail={false}
								pathname={location.pathname}
							/>
						</div>
					</nav>
					<div className="mt-3 space-y-3 border-t border-line pt-3">
						<ThemeSwitch theme={theme} rail={false} here={`${location.pathname}${location.search}`} />
						<Account user={user} rail={false} />
					</div>
				</div>
			</details>
		</header>
	)
}

/** The signed-in user and sign-out (a POST: a link or a prefetch must not sign anyone out), or sign-in/up. */
function Account({ user, rail }: { user: ShellUser | null; rail: boolean }) {
	if (!user) {
		return (
			<div className={`flex gap-2 ${rail ? 'flex-col' : ''}`}>
				<a {...APP_LINK} href="/login" className="btn-secondary flex-1 px-2" title={rail ? 'Sign in' : undefined}>
					<LogIn aria-hidden="true" size={16} />
					<span className={rail ? 'sr-only lg:not-sr-only' : ''}>Sign in</span>
				</a>
				<a {...APP_LINK} href="/signup" className="btn flex-1 px-2" title={rail ? 'Create an account' : undefined}>
					<UserPlus aria-hidden="true" size={16} />
					<span className={rail ? 'sr-only lg:not-sr-only' : ''}>Sign up</span>
				</a>
			</div>
		)
	}
	const initial = (user.name || user.email).trim().charAt(0).toUpperCase()
	return (
		<div className={`flex items-center gap-2 ${rail ? 'flex-col lg:flex-row' : ''}`}>
			<a
				{...APP_LINK}
				href="/settings"
				className="flex min-w-0 flex-1 items-center gap-2 rounded-lg p-1 text-sm text-fg no-underline hover:bg-raised hover:no-underline"
				title={user.email}
			>
				<span
					aria-hidden="true"
					className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-accent-soft text-sm font-semibold text-link"
				>
					{initial}
				</span>
				<span className={`min-w-0 flex-1 ${rail ? 'sr-only lg:not-sr-only lg:whitespace-nowrap' : ''}`}>
					<span className="block truncate font-medium">{user.name || user.email}</span>
					<span className="block truncate text-xs text-fg-muted">{user.email}</span>
				</span>
			</a>
			<form method="post" action="/logout" {...APP_FORM}>
				<button type="submit" className="icon-btn h-9 w-9" aria-label="Sign out" title="Sign out">
					<LogOut aria-hidden="true" size={18} />
				</button>
			</form>
		</div>
	)
}

const THEMES: readonly { value: ThemeChoice; label: string; icon: IconComponent }[] = [
	{ value: 'light', label: 'Light', icon: Sun },
	{ value: 'dark', label: 'Dark', icon: Moon },
	{ value: 'system', label: 'System', icon: Monitor },
]

/** Three buttons in a form posting to /theme: the choice is a cookie, so it works without JavaScript. */
function ThemeSwitch({ theme, rail, here }: { theme: ThemeChoice; rail: boolean; here: string }) {
	return (
		<form
			method="post"
			action="/theme"
			aria-label="Colour theme"
			className={`flex gap-0.5 rounded-lg border border-line bg-canvas p-0.5 ${rail ? 'flex-col lg:flex-row' : ''}`}
			{...APP_FORM}
		>
			<input type="hidden" name="redirectTo" value={here} />
			{THEMES.map(option => (
				<button
					key={option.value}
					type="submit"
					name="theme"
					value={option.value}
					aria-pressed={theme === option.value}
					title={`${option.label} theme`}
					className={`flex flex-1 items-center justify-center gap-1 rounded-md px-1 py-1 text-xs ${
						theme === option.value ? 'bg-surface font-semibold text-fg shadow-sm' : 'text-fg-muted hover:text-fg'
					}`}
				>
					<option.icon aria-hidden="true" size={14} />
					<span className={rail ? 'sr-only lg:not-sr-only' : ''}>{option.label}</span>
				</button>
			))}
		</form>
	)
}
