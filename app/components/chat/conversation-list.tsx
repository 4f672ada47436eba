import { Form, Link, useLocation } from '@remix-run/react'
import { Ellipsis, Pin, Search, SquarePen } from 'lucide-react'
import { TITLE_MAX_CHARS } from '#server/domain/chat/schema.ts'
import type { ConversationItem } from './types.ts'

const START = '\uE000'
const END = '\uE001'

type Props = {
	items: readonly ConversationItem[]
	query: string
	nextCursor: string | null
	activeId: string | undefined
}

const DAY = 24 * 60 * 60 * 1000

/** Pinned first, then by recency (UTC days, so the server and the browser agree). */
function groupItems(items: readonly ConversationItem[]) {
	const today = Math.floor(Date.now() / DAY)
	const groups: { label: string; items: ConversationItem[] }[] = [
		{ label: 'Pinned', items: [] },
		{ label: 'Today', items: [] },
		{ label: 'Yesterday', items: [] },
		{ label: 'Previous 7 days', items: [] },
		{ label: 'Older', items: [] },
	]
	for (const item of items) {
		const age = today - Math.floor(new Date(item.updatedAt).getTime() / DAY)
		const index = item.pinned ? 0 : age <= 0 ? 1 : age === 1 ? 2 : age <= 7 ? 3 : 4
		groups[index]?.items.push(item)
	}
	return groups.filter(g => g.items.length > 0)
}

/**
 * The chats column: "New chat" and search on top, then the chats grouped by recency, scrolling on their own.
 * Search, paging and every action are plain forms and links.
 */
export function ConversationList({ items, query, nextCursor, activeId }: Props) {
	const location = useLocation()
	const here = `${location.pathname}${location.search}`
	return (
		<nav aria-label="Chats" className="flex min-h-0 flex-1 flex-col">
			<div className="space-y-2 border-b border-line p-3">
				<Link to="/chat" className="btn w-full justify-start">
					<SquarePen aria-hidden="true" size={16} />
					New chat
				</Link>
				<Form method="get" action="/chat" role="search" className="flex gap-1.5">
					<label htmlFor="chat-search" className="sr-only">
						Search chats
					</label>
					<div className="relative min-w-0 flex-1">
						<Search
							aria-hidden="true"
							size={15}
							className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-fg-muted"
						/>
						<input
							id="chat-search"
							type="search"
							name="q"
							defaultValue={query}
							maxLength={200}
							placeholder="Search chats"
							className="field py-1.5 pl-8 text-sm"
						/>
					</div>
					<button type="submit" className="btn-secondary px-3 py-1.5">
						Search
					</button>
				</Form>
				{query ? (
					<p className="text-xs text-fg-muted">
						{items.length === 0 ? 'No chats match ' : 'Chats matching '}“{query}”. <Link to="/chat">Show all</Link>
					</p>
				) : null}
			</div>
			<div className="min-h-0 flex-1 overflow-y-auto px-2 py-2" data-conversation-scroller="">
				{items.length === 0 && !query ? (
					<p className="px-2 py-3 text-sm text-fg-muted">No chats yet. Your conversations will be listed here.</p>
				) : null}
				<ul className="space-y-3" data-conversation-list="">
					{groupItems(items).map(group => (
						<li key={group.label}>
							<h3 className="px-2 pb-1 text-xs font-medium text-fg-muted">{group.label}</h3>
							<ul className="space-y-0.5">
								{group.items.map(item => (
									<Row key={item.id} item={item} active={item.id === activeId} here={here} />
								))}
							</ul>
						</li>
					))}
				</ul>
				{nextCursor ? (
					<p className="px-2 py-2">
						<Link
							to={`/chat?${new URLSearchParams({ ...(query ? { q: query } : {}), cursor: nextCursor }).toString()}`}
							className="text-sm"
						>
							Older chats →
						</Link>
					</p>
				) : null}
			</div>
		</nav>
	)
}

/** A title and nothing else until hovered or focused; its menu opens from the ⋯ button. */
function Row({ item, active, here }: { item: ConversationItem; active: boolean; here: string }) {
	return (
		<li
			data-conversation-id={item.id}
			className={`group relative flex items-start rounded-lg ${active ? 'bg-raised' : 'hover:bg-raised/70'}`}
		>
			<Link
				// Opened at the newest message, with or without JavaScript.
				to={`/chat/${item.id}#latest`}
				className={`min-w-0 flex-1 px-2.5 py-2 text-sm no-underline hover:no-underline ${active ? 'font-medium text-fg' : 'text-fg-soft'}`}
				aria-current={active ? 'page' : undefined}
			>
				<span className="flex items-center gap-1.5">
					{item.pinned ? (
						<span role="img" aria-label="Pinned" title="Pinned" className="shrink-0 text-fg-muted">
							<Pin aria-hidden="true" size={12} />
						</span>
					) : null}
					<span className="truncate">{item.title}</span>
				</span>
				{item.snippet ? <Snippet text={item.snippet} /> : null}
			</Link>
			{/* Keyed by the last change, so the menu closes once its action is done (with JavaScript it would stay open). */}
			<ItemMenu key={new Date(item.updatedAt).getTime()} item={item} here={here} />
		</li>
	)
}

function Snippet({ text }: { text: string }) {
	const parts = text.split(START)
	return (
		<span className="mt-1 line-clamp-2 block text-xs text-fg-muted">
			{parts.map((part, i) => {
				if (i === 0) return <span key={i}>{part}</span>
				const [hit = '', rest = ''] = part.split(END)
				return (
					<span key={i}>
						<mark className="rounded bg-warning-soft text-fg">{hit}</mark>
						{rest}
					</span>
				)
			})}
		</span>
	)
}

/** Rename, pin and delete, in a disclosure that needs no script. */
function ItemMenu({ item, here }: { item: ConversationItem; here: string }) {
	const stay = here.startsWith(`/chat/${item.id}`) ? '/chat' : here
	return (
		<details
			data-menu=""
			className="shrink-0 opacity-100 group-focus-within:opacity-100 group-hover:opacity-100 open:opacity-100 md:opacity-0 [@media(hover:none)]:opacity-100"
		>
			<summary
				className="icon-btn m-0.5 h-8 w-8 cursor-pointer list-none [&::-webkit-details-marker]:hidden"
				aria-label={`Options for ${item.title}`}
			>
				<Ellipsis aria-hidden="true" size={16} />
			</summary>
			<div className="absolute right-0 top-full z-20 mt-1 w-64 space-y-3 rounded-xl border border-line bg-surface p-3 shadow-xl">
				<Form method="post" action="/chat" className="space-y-2">
					<label htmlFor={`rename-${item.id}`} className="block text-xs font-medium text-fg-soft">
						Title
					</label>
					<input
						id={`rename-${item.id}`}
						name="title"
						defaultValue={item.title}
						required
						maxLength={TITLE_MAX_CHARS}
						className="field py-1 text-sm"
					/>
					<button type="submit" className="btn-secondary w-full py-1">
						Rename
					</button>
					{/* Last, so the spacing between the visible fields is even. */}
					<input type="hidden" name="intent" value="rename" />
					<input type="hidden" name="conversationId" value={item.id} />
					<input type="hidden" name="redirectTo" value={here} />
				</Form>
				<div className="flex gap-2">
					<Form method="post" action="/chat" className="flex-1">
						<input type="hidden" name="intent" value="pin" />
						<input type="hidden" name="conversationId" value={item.id} />
						<input type="hidden" name="pinned" value={item.pinned ? 'false' : 'true'} />
						<input type="hidden" name="redirectTo" value={here} />
						<button type="submit" className="btn-secondary w-full py-1">
							{item.pinned ? 'Unpin' : 'Pin'}
						</button>
					</Form>
					<Form method="post" action="/chat" className="flex-1">
						<input type="hidden" name="intent" value="delete" />
						<input type="hidden" name="conversationId" value={item.id} />
						<input type="hidden" name="redirectTo" value={stay} />
						<button type="submit" className="btn-danger w-full py-1">
							Delete
						</button>
					</Form>
				</div>
			</div>
		</details>
	)
}
