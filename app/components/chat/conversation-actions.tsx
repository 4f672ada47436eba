/**
 * Pin and rename, done in place. Each is a form posting to /chat that works without JavaScript (the action
 * redirects back to the page it came from). With JavaScript the same form is sent through its chat's fetcher
 * (`useChatActions`, one listener for a whole list): the page does not navigate, every view of the chat (list,
 * header) shows the change at once from the fetcher's form data, and the loaders revalidate behind it. A refusal
 * comes back as the fetcher's data and is shown beside the form. The forms themselves hold no hooks: a list of
 * fifty chats would otherwise run a hundred fetchers on every render.
 */
import { useFetcher, useFetchers, useSubmit } from '@remix-run/react'
import type { FormEvent } from 'react'
import { Pin, PinOff } from '#app/components/icons/index.tsx'
import { TITLE_MAX_CHARS } from '#server/domain/chat/limits.ts'
import type { action } from '#app/routes/chat.tsx'

/** One fetcher per chat and action, shared by every view of it (the list row, the header). */
export const usePinFetcher = (id: string) => useFetcher<typeof action>({ key: `chat-pin:${id}` })
export const useRenameFetcher = (id: string) => useFetcher<typeof action>({ key: `chat-rename:${id}` })

/**
 * A submit handler for a container of pin and rename forms: sends the form through its chat's fetcher instead of
 * navigating, and returns the chat's id (null for any other form, which goes its own way).
 */
export function useChatActions(): (event: FormEvent) => string | null {
	const submit = useSubmit()
	return event => {
		const form = event.target
		if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return null
		const kind = form.dataset.chatAction
		const id = form.dataset.chatId
		if ((kind !== 'pin' && kind !== 'rename') || !id) return null
		event.preventDefault()
		submit(form, { method: 'post', action: '/chat', navigate: false, fetcherKey: `chat-${kind}:${id}` })
		return id
	}
}

/** The refusal a fetcher came back with, once it is done. */
export function refusalOf(fetcher: ReturnType<typeof usePinFetcher>): { message: string } | undefined {
	return fetcher.state === 'idle' && fetcher.data && 'message' in fetcher.data ? fetcher.data : undefined
}

/** What a pending pin or rename will change, by chat id: the optimistic view of the list and the header. */
export type PendingChange = { title?: string; pinned?: boolean; at: Date }

export function usePendingChanges(): ReadonlyMap<string, PendingChange> {
	const fetchers = useFetchers()
	const changes = new Map<string, PendingChange>()
	for (const fetcher of fetchers) {
		const form = fetcher.formData
		if (!form) continue
		const id = form.get('conversationId')
		const intent = form.get('intent')
		if (typeof id !== 'string') continue
		const change = changes.get(id) ?? { at: new Date() }
		const title = form.get('title')
		if (intent === 'rename' && typeof title === 'string' && title.trim()) change.title = title.trim()
		if (intent === 'pin') change.pinned = form.get('pinned') === 'true'
		changes.set(id, change)
	}
	return changes
}

/** Applies the pending changes to a chat as the page has it (a change also makes it the most recent, as the server does). */
export function withPending<T extends { id: string; title: string; pinned: boolean; updatedAt: Date }>(
	item: T,
	changes: ReadonlyMap<string, PendingChange>,
): T {
	const change = changes.get(item.id)
	if (!change) return item
	return {
		...item,
		title: change.title ?? item.title,
		pinned: change.pinned ?? item.pinned,
		updatedAt: change.at,
	}
}

/**
 * Without JavaScript the action sends the browser back here after the change (post/redirect/get); with it there
 * is no `redirectTo`, and the action answers the fetcher with data instead of a redirect.
 */
function ReturnTo({ to, hydrated }: { to: string; hydrated: boolean }) {
	return hydrated ? null : <input type="hidden" name="redirectTo" value={to} />
}

/** The refusal of the last attempt (a title too long, a chat deleted meanwhile), announced beside its form. */
function Refusal({ data }: { data: { message?: string } | undefined }) {
	if (!data?.message) return null
	return (
		<p role="alert" className="text-xs font-medium text-danger">
			{data.message}
		</p>
	)
}

type PinProps = {
	id: string
	/** The state shown: the loaded one with any pending change applied (`withPending`). */
	pinned: boolean
	/** Where the browser returns after the change without JavaScript. */
	returnTo: string
	/** Whether the page's script runs (read once by the page, not per form). */
	hydrated: boolean
	/** Why the last pin was refused, if it was. */
	refusal?: { message?: string } | undefined
	className?: string
	/**
	 * A toggle button (`aria-pressed`) with this constant name and an icon, for a toolbar; without it, a button
	 * that says what it does ("Pin", "Unpin"), for a menu.
	 */
	toggleLabel?: string
}

/** Pin or unpin, showing the state it is about to have at once. */
export function PinButton({ id, pinned: shown, returnTo, hydrated, refusal, className, toggleLabel }: PinProps) {
	const Icon = shown && !toggleLabel ? PinOff : Pin
	return (
		<form method="post" action="/chat" className={className} data-chat-action="pin" data-chat-id={id}>
			<input type="hidden" name="intent" value="pin" />
			<input type="hidden" name="conversationId" value={id} />
			<input type="hidden" name="pinned" value={shown ? 'false' : 'true'} />
			<ReturnTo to={returnTo} hydrated={hydrated} />
			{toggleLabel ? (
				<button
					type="submit"
					className={`icon-btn h-9 gap-1.5 px-2.5 text-sm ${shown ? 'text-link' : ''}`}
					aria-pressed={shown}
					aria-label={toggleLabel}
					title={shown ? 'Pinned: press to unpin' : toggleLabel}
				>
					<Icon aria-hidden="true" size={16} className={shown ? 'fill-current' : ''} />
					<span aria-hidden="true" className="hidden sm:inline">
						{shown ? 'Pinned' : 'Pin'}
					</span>
				</button>
			) : (
				<button type="submit" className="btn-secondary w-full py-1">
					<Icon aria-hidden="true" size={14} />
					{shown ? 'Unpin' : 'Pin'}
				</button>
			)}
			<Refusal data={refusal} />
		</form>
	)
}

/** The title, renamed in place. */
export function RenameForm({
	id,
	title,
	returnTo,
	hydrated,
	refusal: refused,
}: {
	id: string
	title: string
	returnTo: string
	hydrated: boolean
	/** Why the last rename was refused, if it was. */
	refusal?: { message?: string } | undefined
}) {
	const inputId = `rename-${id}`
	return (
		<form method="post" action="/chat" className="space-y-2" data-chat-action="rename" data-chat-id={id}>
			<label htmlFor={inputId} className="block text-xs font-medium text-fg-soft">
				Title
			</label>
			<input
				id={inputId}
				name="title"
				defaultValue={title}
				required
				maxLength={TITLE_MAX_CHARS}
				aria-invalid={refused ? true : undefined}
				className="field py-1 text-sm"
			/>
			<Refusal data={refused} />
			<button type="submit" className="btn-secondary w-full py-1">
				Rename
			</button>
			{/* Last, so the spacing between the visible fields is even. */}
			<input type="hidden" name="intent" value="rename" />
			<input type="hidden" name="conversationId" value={id} />
			<ReturnTo to={returnTo} hydrated={hydrated} />
		</form>
	)
}
