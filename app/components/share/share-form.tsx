/**
 * "Share": a `<details>` disclosure holding one form that posts to /share (works without JavaScript). It makes an
 * unguessable link with an optional title and expiry; conversations may choose a range of the branch shown,
 * workflows whether the last run's outputs come along.
 *
 * A conversation's range pickers list every message of the branch twice, most of a chat page's header; most
 * shares are of the whole chat, so the pickers come on request: a link to the same page with the pickers shown
 * and the disclosure open (a page load without JavaScript, an in-app navigation with it).
 */
import { APP_FORM, APP_LINK } from '#app/components/app-links.tsx'
import { Share2 } from '#app/components/icons/index.tsx'
import { SHARE_EXPIRIES, SHARE_EXPIRY_LABELS, SHARE_TITLE_MAX } from '#server/domain/sharing/options.ts'
import type { ShareExpiry, ShareKind } from '#server/domain/sharing/options.ts'

export type ShareableMessage = { id: string; label: string }

export function ShareForm({
	kind,
	targetId,
	returnTo,
	messages,
	partHref,
	canIncludeOutputs = false,
	align = 'left',
	summaryClassName = 'btn-secondary',
}: {
	kind: ShareKind
	targetId: string
	/** Where a refused form comes back to (this page). */
	returnTo: string
	/** Conversations: the messages of the branch on screen, root first, for choosing a range (shown open). */
	messages?: readonly ShareableMessage[] | undefined
	/** Conversations, while `messages` is not given: the address of this page with the range pickers. */
	partHref?: string | undefined
	canIncludeOutputs?: boolean
	align?: 'left' | 'right'
	summaryClassName?: string
}) {
	const id = `share-${kind}-${targetId.slice(0, 8)}`
	return (
		// Below 640 px the panel is placed against the nearest positioned block (a page's header or column), not
		// the button, so that it fits the screen wherever the button sits.
		<details className="group sm:relative" data-share-form="" open={messages ? true : undefined}>
			<summary className={`${summaryClassName} cursor-pointer list-none [&::-webkit-details-marker]:hidden`}>
				<Share2 aria-hidden="true" size={16} />
				Share
			</summary>
			<div
				className={`absolute z-30 mt-2 w-[min(22rem,calc(100vw-2rem))] rounded-xl border border-line bg-surface p-4 shadow-lg ${
					align === 'right' ? 'right-0' : 'left-0'
				}`}
			>
				<form method="post" action="/share" className="space-y-3" {...APP_FORM}>
					<input type="hidden" name="kind" value={kind} />
					<input type="hidden" name="targetId" value={targetId} />
					<input type="hidden" name="returnTo" value={returnTo} />
					<p className="text-sm text-fg-muted">
						Anyone with the link can see it, signed in or not. You can revoke it at any time in Settings → Shares.
					</p>
					<div>
						<label htmlFor={`${id}-title`} className="block text-sm font-medium">
							Title <span className="font-normal text-fg-muted">(optional)</span>
						</label>
						<input
							id={`${id}-title`}
							name="title"
							maxLength={SHARE_TITLE_MAX}
							className="field mt-1"
							autoComplete="off"
						/>
					</div>
					<div>
						<label htmlFor={`${id}-expires`} className="block text-sm font-medium">
							Link expires
						</label>
						<select id={`${id}-expires`} name="expiresIn" className="field mt-1" defaultValue="never">
							{(Object.keys(SHARE_EXPIRIES) as ShareExpiry[]).map(key => (
								<option key={key} value={key}>
									{SHARE_EXPIRY_LABELS[key]}
								</option>
							))}
						</select>
					</div>
					{messages && messages.length > 1 ? (
						<fieldset className="space-y-2">
							<legend className="text-sm font-medium">Messages</legend>
							<p className="text-xs text-fg-muted">The branch on screen; other versions are never shared.</p>
							<MessageEnd
								id={`${id}-from`}
								label="From"
								name="fromMessageId"
								blank="The first message"
								messages={messages}
							/>
							<MessageEnd id={`${id}-to`} label="To" name="toMessageId" blank="The last message" messages={messages} />
						</fieldset>
					) : partHref ? (
						<p className="text-sm">
							<a {...APP_LINK} href={partHref} data-prevent-scroll-reset="">
								Share only some of the messages…
							</a>
						</p>
					) : null}
					{canIncludeOutputs ? (
						<label className="flex items-center gap-2 text-sm">
							<input type="checkbox" name="includeOutputs" value="on" />
							Include the last run’s outputs
						</label>
					) : null}
					<button type="submit" className="btn w-full">
						Create link
					</button>
				</form>
			</div>
		</details>
	)
}

/** One end of the shared span of messages: a picker whose blank choice is the thread's first or last message. */
function MessageEnd({
	id,
	label,
	name,
	blank,
	messages,
}: {
	id: string
	label: string
	name: string
	blank: string
	messages: readonly ShareableMessage[]
}) {
	return (
		<div>
			<label htmlFor={id} className="block text-xs text-fg-muted">
				{label}
			</label>
			<select id={id} name={name} className="field mt-1 text-sm" defaultValue="">
				<option value="">{blank}</option>
				{messages.map(m => (
					<option key={m.id} value={m.id}>
						{m.label}
					</option>
				))}
			</select>
		</div>
	)
}
