/** The tabs of a page with sections (Settings, Administration): links that mark the section shown. */
import { NavLink } from '@remix-run/react'

export type Section = { to: string; label: string; end?: boolean }

export function SectionTabs({ label, sections }: { label: string; sections: readonly Section[] }) {
	return (
		<nav aria-label={label} className="-mx-1 flex max-w-full flex-wrap gap-1 border-b border-line pb-2 text-sm">
			{sections.map(section => (
				<NavLink
					key={section.to}
					to={section.to}
					end={section.end ?? false}
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
	)
}
