import { useLocation } from '@remix-run/react'
import { APP_FORM, APP_LINK } from '#app/components/app-links.tsx'
import { Ellipsis, Pin, SquarePen, Trash2 } from '#app/components/icons/index.tsx'
import { SearchInput } from '#app/components/forms.tsx'
import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import {
	PinButton,
	refusalOf,
	RenameForm,
	useChatActions,
	usePendingChanges,
	usePinFetcher,
	useRenameFetcher,
	withPending,
} from './conversation-actions.tsx'
import { useHydrated } from './use-hydrated.ts'
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

/** Pinned first, then by recency (UTC days, so the server and the browser agree), as the server orders them. */
function groupItems(items: readonly ConversationItem[]) {
	const sorted = [...items].sort(
		(a, b) => Number(b.pinned) - Number(a.pinned) || new Date(b.updatedAt).getTime() - new Date(a.updatedAt).getTime(),
	)
	const today = Math.floor(Date.now() / DAY)
	const groups: { label: string; items: ConversationItem[] }[] = [
		{ label: 'Pinned', items: [] },
		{ label: 'Today', items: [] },
		{ label: 'Yesterday', items: [] },
		{ label: 'Previous 7 days', items: [] },
		{ label: 'Older', items: [] },
	]
	for (const item of sorted) {
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
	// A pin or rename on its way shows at once (with JavaScript); the list settles when the loaders revalidate.
	const pending = usePendingChanges()
	const shown = items.map(item => withPending(item, pending))
	const hydrated = useHydrated()
	// Rows hold no hooks: their pin and rename forms are sent from here, through each chat's fetcher.
	const sendAction = useChatActions()
	// The chat last acted on keeps its two fetchers mounted, so a refusal's data is there to show in its row.
	const [acted, setActed] = useState<string | null>(null)
	const pin = usePinFetcher(acted ?? '')
	const rename = useRenameFetcher(acted ?? '')
	const refused = acted ? { pin: refusalOf(pin), rename: refusalOf(rename) } : null
	function onSubmit(event: FormEvent) {
		const id = sendAction(event)
		if (!id) return
		setActed(id)
		// As a menu does after its action: it closes, and the focus goes back to its button (wherever the row moves).
		const menu = menuOf(id)
		if (menu) menu.open = false
		menu?.querySelector('summary')?.focus()
		focusReturnsTo = id
	}
	useEffect(() => {
		if (!focusReturnsTo) return
		const lost = !document.activeElement || document.activeElement === document.body
		if (lost) menuOf(focusReturnsTo)?.querySelector('summary')?.focus()
		if (pin.state === 'idle' && rename.state === 'idle') focusReturnsTo = null
	})
	// A refusal opens the menu again, with the message beside its form.
	const refusal = refused?.pin ?? refused?.rename
	useEffect(() => {
		const menu = refusal && acted ? menuOf(acted) : null
		if (menu) menu.open = true
	}, [refusal, acted])
	return (
		// The submits it handles are its rows' pin and rename forms.
		// eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
		<nav aria-label="Chats" className="flex min-h-0 flex-1 flex-col" onSubmit={onSubmit}>
			<div className="space-y-2 border-b border-line p-3">
				<a {...APP_LINK} href="/chat" className="btn w-full justify-start">
					<SquarePen aria-hidden="true" size={16} />
					New chat
				</a>
				<form method="get" action="/chat" role="search" className="flex gap-1.5" {...APP_FORM}>
					<label htmlFor="chat-search" className="sr-only">
						Search chats
					</label>
					<div className="relative min-w-0 flex-1">
						<SearchInput compact id="chat-search" defaultValue={query} maxLength={200} placeholder="Search chats" />
					</div>
					<button type="submit" className="btn-secondary px-3 py-1.5">
						Search
					</button>
				</form>
				{query ? (
					<p className="text-xs text-fg-muted">
						{items.length === 0 ? 'No chats match ' : 'Chats matching '}“{query}”.{' '}
						<a {...APP_LINK} href="/chat">
							Show all
						</a>
					</p>
				) : null}
			</div>
			<div className="min-h-0 flex-1 overflow-y-auto px-2 py-2" data-conversation-scroller="">
				{items.length === 0 && !query ? (
					<p className="px-2 py-3 text-sm text-fg-muted">No chats yet. Your conversations will be listed here.</p>
				) : null}
				<ul className="space-y-3" data-conversation-list="">
					{groupItems(shown).map(group => (
						<li key={group.label}>
							<h3 className="px-2 pb-1 text-xs font-medium text-fg-muted">{group.label}</h3>
							<ul className="space-y-0.5">
								{group.items.map(item => (
									<Row
										key={item.id}
										item={item}
										active={item.id === activeId}
										here={here}
										hydrated={hydrated}
										refused={item.id === acted ? refused : null}
									/>
								))}
							</ul>
						</li>
					))}
				</ul>
				{nextCursor ? (
					<p className="px-2 py-2">
						<a
							{...APP_LINK}
							href={`/chat?${new URLSearchParams({ ...(query ? { q: query } : {}), cursor: nextCursor }).toString()}`}
							className="text-sm"
						>
							Older chats →
						</a>
					</p>
				) : null}
			</div>
		</nav>
	)
}

type Refused = { pin: { message?: string } | undefined; rename: { message?: string } | undefined } | null

/** A title and nothing else until hovered or focused; its menu opens from the ⋯ button. */
function Row({
	item,
	active,
	here,
	hydrated,
	refused,
}: {
	item: ConversationItem
	active: boolean
	here: string
	hydrated: boolean
	refused: Refused
}) {
	return (
		<li
			data-conversation-id={item.id}
			className={`group relative flex items-start rounded-lg ${active ? 'bg-raised' : 'hover:bg-raised/70'}`}
		>
			<a
				{...APP_LINK}
				// Opened at the newest message, with or without JavaScript.
				href={`/chat/${item.id}#latest`}
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
			</a>
			<ItemMenu item={item} here={here} hydrated={hydrated} refused={refused} />
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

/** A chat's menu in the list (a `<details>` in its row). */
function menuOf(id: string): HTMLDetailsElement | null {
	return document.querySelector<HTMLDetailsElement>(
		`[data-conversation-list] [data-conversation-id="${CSS.escape(id)}"] details`,
	)
}

/**
 * The chat whose menu action is on its way: its row may move (pinned, renamed: the most recent) and be drawn
 * anew, and the focus goes back to its ⋯ button there, as it would in a menu that closes after its action.
 */
let focusReturnsTo: string | null = null

/**
 * Rename, pin and delete, in a disclosure that needs no script. With JavaScript, rename and pin close the menu
 * and happen in place (the focus stays on the ⋯ button); a refusal opens it again with the message. Delete
 * navigates: the flash message that follows offers Undo.
 */
function ItemMenu({
	item,
	here,
	hydrated,
	refused,
}: {
	item: ConversationItem
	here: string
	hydrated: boolean
	refused: Refused
}) {
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
				<RenameForm id={item.id} title={item.title} returnTo={here} hydrated={hydrated} refusal={refused?.rename} />
				<div className="flex gap-2">
					<PinButton
						id={item.id}
						pinned={item.pinned}
						returnTo={here}
						hydrated={hydrated}
						refusal={refused?.pin}
						className="flex-1"
					/>
					<form method="post" action="/chat" className="flex-1" {...APP_FORM}>
						<input type="hidden" name="intent" value="delete" />
						<input type="hidden" name="conversationId" value={item.id} />
						<input type="hidden" name="redirectTo" value={stay} />
						<button type="submit" className="btn-danger w-full py-1">
							<Trash2 aria-hidden="true" size={14} />
							Delete
						</button>
					</form>
				</div>
			</div>
		</details>
	)
}
