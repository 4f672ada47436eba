import { Form, Link, useLocation } from '@remix-run/react'
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

/** Pinned first, then the most recent; search, paging and every action are plain forms and links. */
export function ConversationList({ items, query, nextCursor, activeId }: Props) {
	const location = useLocation()
	const here = `${location.pathname}${location.search}`
	return (
		<nav aria-label="Chats" className="space-y-3">
			<div className="flex items-center justify-between gap-2">
				<h2 className="text-sm font-semibold uppercase tracking-wide text-fg-muted">Chats</h2>
				<Link to="/chat" className="btn px-3 py-1.5">
					New chat
				</Link>
			</div>
			<Form method="get" action="/chat" role="search" className="flex gap-2">
				<label htmlFor="chat-search" className="sr-only">
					Search chats
				</label>
				<input
					id="chat-search"
					type="search"
					name="q"
					defaultValue={query}
					maxLength={200}
					placeholder="Search chats"
					className="field py-1.5 text-sm"
				/>
				<button type="submit" className="btn-secondary px-3 py-1.5">
					Search
				</button>
			</Form>
			{query ? (
				<p className="text-xs text-fg-muted">
					{items.length === 0 ? 'No chats match ' : 'Chats matching '}“{query}”. <Link to="/chat">Show all</Link>
				</p>
			) : null}
			{items.length === 0 && !query ? <p className="text-sm text-fg-muted">No chats yet.</p> : null}
			<ul className="space-y-1" data-conversation-list="">
				{items.map(item => (
					<li
						key={item.id}
						data-conversation-id={item.id}
						className={`group rounded-md border ${item.id === activeId ? 'border-line-strong bg-raised' : 'border-transparent hover:bg-surface'}`}
					>
						<div className="flex items-start gap-1">
							<Link
								to={`/chat/${item.id}`}
								className="min-w-0 flex-1 px-2 py-2 text-sm text-fg no-underline hover:no-underline"
								aria-current={item.id === activeId ? 'page' : undefined}
							>
								<span className="flex items-center gap-1">
									{item.pinned ? (
										<span aria-label="Pinned" title="Pinned" className="text-warning">
											★
										</span>
									) : null}
									<span className="truncate">{item.title}</span>
								</span>
								{item.snippet ? <Snippet text={item.snippet} /> : null}
							</Link>
							{/* Keyed by the last change, so the menu closes once its action is done (with JavaScript it would stay open). */}
							<ItemMenu key={item.updatedAt} item={item} here={here} />
						</div>
					</li>
				))}
			</ul>
			{nextCursor ? (
				<p>
					<Link
						to={`/chat?${new URLSearchParams({ ...(query ? { q: query } : {}), cursor: nextCursor }).toString()}`}
						className="text-sm"
					>
						Older chats →
					</Link>
				</p>
			) : null}
		</nav>
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
		<details className="relative shrink-0">
			<summary
				className="flex h-9 w-9 cursor-pointer list-none items-center justify-center rounded text-fg-muted hover:bg-raised hover:text-fg"
				aria-label={`Options for ${item.title}`}
			>
				⋯
			</summary>
			<div className="absolute right-0 z-10 mt-1 w-64 space-y-3 rounded-md border border-line-strong bg-surface p-3 shadow-xl">
				<Form method="post" action="/chat" className="space-y-2">
					<label htmlFor={`rename-${item.id}`} className="block text-xs text-fg-muted">
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
						<button
							type="submit"
							className="btn-secondary w-full border-danger-line py-1 text-danger hover:bg-danger-soft"
						>
							Delete
						</button>
					</Form>
				</div>
			</div>
		</details>
	)
}
