/**
 * The app shell: skip links first, then the page's one banner. On wide screens it is a left rail with the areas
 * (icons only between 768 and 1024 px, icon and label above); under 768 px it is a top bar whose Menu button opens
 * the same areas as a popover (`popovertarget`: it opens without JavaScript, and closes on Escape or a tap
 * outside). The areas are rendered once for both widths. Routes shape it through their `handle.shell` (see
 * `ShellHandle`).
 */
import { useLocation, useMatches } from '@remix-run/react'
import { useEffect, useRef } from 'react'
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
				<Banner user={user} theme={theme} location={location} />
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

/** The name beside the mark: shown on phones and from 1024 px, only to screen readers on the narrow rail. */
function Brand() {
	return (
		<a
			{...APP_LINK}
			href="/"
			className="flex items-center gap-2.5 font-semibold text-fg no-underline hover:no-underline"
			aria-label="Generation Studio, home"
		>
			<span className="flex h-8 w-8 shrink-0 items-center justify-center rounded-lg bg-accent text-accent-fg">
				<Sparkles aria-hidden="true" size={18} />
			</span>
			{/* `not-sr-only` resets white-space: the name stays on one line at every width. */}
			<span className="truncate whitespace-nowrap md:sr-only lg:not-sr-only lg:whitespace-nowrap">
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

/** An area's row: full in the phone menu and from 1024 px, centred on its icon on the narrow rail. */
const NAV_LINK_BASE =
	'group flex items-center gap-3 rounded-lg px-2.5 py-2 text-sm no-underline hover:bg-raised hover:no-underline md:justify-center lg:justify-start'
const NAV_LINK = `${NAV_LINK_BASE} text-fg-soft`
const NAV_LINK_ACTIVE = `${NAV_LINK_BASE} bg-raised font-semibold text-fg`

/** A list of areas: full rows in the phone menu and from 1024 px, icons only on the narrow rail. */
function NavItems({ items, pathname }: { items: readonly NavItem[]; pathname: string }) {
	return (
		<ul className="space-y-0.5">
			{items.map(item => {
				const active = isActive(pathname, item.to)
				return (
					<li key={item.to}>
						<a
							{...APP_LINK}
							href={item.to}
							title={item.label}
							aria-current={active ? 'page' : undefined}
							className={active ? NAV_LINK_ACTIVE : NAV_LINK}
						>
							<item.icon
								aria-hidden="true"
								size={18}
								className={active ? 'shrink-0 text-link' : 'shrink-0 text-fg-muted group-hover:text-fg'}
							/>
							<span className="md:sr-only lg:not-sr-only">{item.label}</span>
							{item.ready ? null : (
								<span className="ml-auto text-xs font-normal text-fg-muted md:hidden lg:inline">soon</span>
							)}
						</a>
					</li>
				)
			})}
		</ul>
	)
}

const ACCOUNT_AND_ADMIN: readonly NavItem[] = [
	...ACCOUNT_AREAS,
	{ to: '/admin', label: 'Admin', icon: Boxes, ready: true },
]

/** Where the page is: the areas mark the current one, the theme form comes back to it. */
type Here = { key: string; pathname: string; search: string }

/** Where the menu is: the Menu button names it, and the shell closes it after an in-app navigation. */
const MENU_ID = 'app-menu'

/** Not yet in React 18's types: the popover attributes, as the HTML spells them. */
const MENU_POPOVER: Record<string, string> = { popover: 'auto' }
const OPENS_MENU: Record<string, string> = { popovertarget: MENU_ID }

function Banner({ user, theme, location }: { user: ShellUser | null; theme: ThemeChoice; location: Here }) {
	const menu = useRef<HTMLDivElement>(null)
	// Following a link closes the menu, as the page load that follows it without JavaScript does.
	useEffect(() => {
		const element = menu.current
		if (element && 'hidePopover' in element && element.matches(':popover-open')) element.hidePopover()
	}, [location.key])
	const here = `${location.pathname}${location.search}`
	return (
		// The column runs the page's full height on wide screens (its border and background); the rail inside stays
		// in view. On phones the column is the sticky top bar.
		<div className="app-banner sticky top-0 z-30 border-b border-line bg-surface md:static md:z-auto md:w-16 md:shrink-0 md:border-b-0 md:border-r lg:w-60">
			<header className="flex h-14 items-center justify-between gap-3 px-4 md:sticky md:top-0 md:h-screen md:flex-col md:items-stretch md:justify-start md:gap-0 md:px-2 md:py-4 lg:px-3">
				<div className="min-w-0 md:px-1.5">
					<Brand />
				</div>
				<button
					type="button"
					{...OPENS_MENU}
					className="app-menu-button icon-btn h-10 cursor-pointer gap-1.5 px-2.5 text-fg md:hidden"
				>
					<Menu aria-hidden="true" size={20} />
					<span className="text-sm font-medium">Menu</span>
				</button>
				<div
					id={MENU_ID}
					ref={menu}
					{...MENU_POPOVER}
					className="app-menu fixed inset-x-0 bottom-auto top-14 m-0 h-auto max-h-[calc(100dvh-3.5rem)] w-auto overflow-y-auto border-b border-line bg-surface px-4 pb-5 pt-3 text-fg shadow-lg md:static md:flex md:max-h-none md:min-h-0 md:flex-1 md:flex-col md:overflow-visible md:border-b-0 md:bg-transparent md:p-0 md:shadow-none"
				>
					<nav
						aria-label="Main"
						className="md:mt-6 md:flex md:min-h-0 md:flex-1 md:flex-col md:justify-between md:gap-4 md:overflow-y-auto"
					>
						<NavItems items={AREAS} pathname={location.pathname} />
						<div className="mt-3 border-t border-line pt-3 md:mt-0 md:border-t-0 md:pt-0">
							<NavItems
								items={user?.role === 'admin' ? ACCOUNT_AND_ADMIN : ACCOUNT_AREAS}
								pathname={location.pathname}
							/>
						</div>
					</nav>
					<div className="mt-3 space-y-3 border-t border-line pt-3 md:mt-4 md:pt-4">
						<ThemeSwitch theme={theme} here={here} />
						<Account user={user} />
					</div>
				</div>
			</header>
		</div>
	)
}

/** The signed-in user and sign-out (a POST: a link or a prefetch must not sign anyone out), or sign-in/up. */
function Account({ user }: { user: ShellUser | null }) {
	if (!user) {
		return (
			<div className="flex gap-2 md:flex-col">
				<a {...APP_LINK} href="/login" className="btn-secondary flex-1 px-2" title="Sign in">
					<LogIn aria-hidden="true" size={16} />
					<span className="md:sr-only lg:not-sr-only">Sign in</span>
				</a>
				<a {...APP_LINK} href="/signup" className="btn flex-1 px-2" title="Create an account">
					<UserPlus aria-hidden="true" size={16} />
					<span className="md:sr-only lg:not-sr-only">Sign up</span>
				</a>
			</div>
		)
	}
	const initial = (user.name || user.email).trim().charAt(0).toUpperCase()
	return (
		<div className="flex items-center gap-2 md:flex-col lg:flex-row">
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
				<span className="min-w-0 flex-1 md:sr-only lg:not-sr-only lg:whitespace-nowrap">
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
function ThemeSwitch({ theme, here }: { theme: ThemeChoice; here: string }) {
	return (
		<form
			method="post"
			action="/theme"
			aria-label="Colour theme"
			className="flex gap-0.5 rounded-lg border border-line bg-canvas p-0.5 md:flex-col lg:flex-row"
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
					<span className="md:sr-only lg:not-sr-only">{option.label}</span>
				</button>
			))}
		</form>
	)
}
