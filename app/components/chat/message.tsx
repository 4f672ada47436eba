import { Form, Link } from '@remix-run/react'
import { APP_FORM, APP_LINK } from '#app/components/app-links.tsx'
import {
	ChevronLeft,
	ChevronRight,
	Copy,
	Paperclip,
	Pencil,
	RefreshCw,
	RotateCcw,
	type IconComponent,
} from '#app/components/icons/index.tsx'
import { useState } from 'react'
import { MESSAGE_MAX_CHARS } from '#server/domain/chat/limits.ts'
import { ErrorSummary, FieldScope, TextareaField } from '../forms.tsx'
import type { FieldErrors } from '../forms.tsx'
import { LiveReply } from './live-reply.tsx'
import { MessageBody } from './message-body.tsx'
import { ModeField, ModeInput } from './mode-input.tsx'
import { formatCost } from './types.ts'
import type { MessageData, ModelOption } from './types.ts'

type Props = {
	conversationId: string
	message: MessageData
	models: readonly ModelOption[]
	/** Field errors of a failed edit of this message. */
	editErrors?: FieldErrors | undefined
	/** Whether the page's script runs (read once by the page, not by each of its messages). */
	hydrated: boolean
	/** The query string of the address shown (`?branch=…`), which the edit links keep. */
	search: string
	/** The address shown, without its query string. */
	pathname: string
}

/** Actions under a message: shown on hover and focus where there is a pointer, always on touch screens. */
const ACTIONS =
	'mt-1 flex flex-wrap items-center gap-0.5 text-xs text-fg-muted transition-opacity md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100 [@media(hover:none)]:opacity-100'

/**
 * One message of the branch on screen, with the controls that act on it. A user's message is a compact bubble
 * on the right; a reply is full-width prose. Works without JavaScript throughout: editing opens by a link
 * (`?edit=`), so the form stays closed until asked for, in any browser.
 */
export function ChatMessage({ conversationId, message, models, editErrors, hydrated, search, pathname }: Props) {
	const isUser = message.role === 'user'
	const streaming = message.status === 'streaming'
	const modelName = models.find(m => m.id === message.model)?.name ?? message.model ?? 'Assistant'
	const params = new URLSearchParams(search)
	const editing = isUser && (params.get('edit') === message.id || Boolean(editErrors))
	params.delete('edit')
	const stay = params.toString() ? `?${params.toString()}` : pathname
	params.set('edit', message.id)
	const editHref = `?${params.toString()}#m-${message.id}`
	return (
		<li
			id={`m-${message.id}`}
			data-message-id={message.id}
			data-role={message.role}
			data-status={message.status}
			className={`group scroll-mt-20 ${isUser ? 'ml-auto flex max-w-[88%] flex-col items-end sm:max-w-[80%]' : ''}`}
		>
			{isUser ? (
				editing ? (
					<EditMessage message={message} errors={editErrors} cancelHref={`${stay}#m-${message.id}`} />
				) : (
					<div className="rounded-2xl rounded-br-md bg-accent-soft px-4 py-2.5 text-fg">
						<p className="sr-only">You said:</p>
						<p className="whitespace-pre-wrap break-words">{message.content}</p>
						{message.attachments.length > 0 ? <Attachments attachments={message.attachments} /> : null}
					</div>
				)
			) : (
				<div className="min-w-0">
					<p className="mb-1.5 text-xs font-medium text-fg-muted">{modelName}</p>
					{streaming && hydrated ? (
						<LiveReply conversationId={conversationId} messageId={message.id} initial={message.content ?? ''} />
					) : message.html ? (
						<MessageBody html={message.html} />
					) : (
						<p className="text-sm italic text-fg-muted">{streaming ? 'Writing…' : 'No text.'}</p>
					)}
					{message.attachments.length > 0 ? <Attachments attachments={message.attachments} /> : null}
					{message.error ? (
						<p role="alert" className="callout-danger mt-3">
							{message.error}
						</p>
					) : null}
					{message.status === 'stopped' ? <p className="mt-2 text-xs text-fg-muted">Stopped before the end.</p> : null}
					{streaming ? (
						// Without JavaScript, a reply written elsewhere (another tab) is followed by reloading.
						<noscript>
							<meta httpEquiv="refresh" content="2" />
						</noscript>
					) : null}
				</div>
			)}
			{editing ? null : (
				<div className={`${ACTIONS} ${isUser ? 'justify-end' : ''}`}>
					{message.siblings.count > 1 ? <Versions conversationId={conversationId} message={message} /> : null}
					{hydrated && !streaming ? <CopyButton messageId={message.id} text={isUser ? message.content : null} /> : null}
					{isUser ? (
						<a
							{...APP_LINK}
							href={editHref}
							className="icon-btn"
							aria-label="Edit"
							title="Edit"
							data-prevent-scroll-reset=""
						>
							<Pencil aria-hidden="true" size={15} />
						</a>
					) : streaming ? null : (
						<>
							<form method="post" className="inline" {...APP_FORM}>
								<input type="hidden" name="intent" value="regenerate" />
								<input type="hidden" name="messageId" value={message.id} />
								<ModeField hydrated={hydrated} />
								{message.status === 'error' ? (
									<button type="submit" className="icon-btn px-2 text-danger" aria-label="Retry" title="Retry">
										<RotateCcw aria-hidden="true" size={15} />
										<span>Retry</span>
									</button>
								) : (
									<button type="submit" className="icon-btn" aria-label="Regenerate" title="Regenerate">
										<RefreshCw aria-hidden="true" size={15} />
									</button>
								)}
							</form>
							{message.outputTokens !== null ? (
								<span className="px-1.5">
									{(message.inputTokens ?? 0) + message.outputTokens} tokens
									{message.costMicros > 0 ? ` · ${formatCost(message.costMicros)}` : ''}
								</span>
							) : null}
						</>
					)}
				</div>
			)}
		</li>
	)
}

/** With JavaScript only: copies the message as text (a reply's rendered text, a user's own words). */
function CopyButton({ messageId, text }: { messageId: string; text: string | null }) {
	const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
	function copy() {
		const value = text ?? document.querySelector(`#m-${CSS.escape(messageId)} .markdown`)?.textContent ?? ''
		void navigator.clipboard.writeText(value).then(
			() => setState('copied'),
			() => setState('failed'),
		)
		setTimeout(() => setState('idle'), 1500)
	}
	const label = state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy message'
	return (
		<button type="button" className="icon-btn" aria-label={label} title={label} onClick={copy}>
			<Copy aria-hidden="true" size={15} />
			<span aria-live="polite" className="sr-only">
				{state === 'idle' ? '' : label}
			</span>
		</button>
	)
}

/** "‹ 2 / 3 ›": plain links to the other versions of this message; the page remembers the branch chosen. */
function Versions({ conversationId, message }: { conversationId: string; message: MessageData }) {
	const { index, count, previousId, nextId } = message.siblings
	return (
		<nav aria-label="Versions" className="flex items-center" data-versions="">
			<VersionStep conversationId={conversationId} to={previousId} label="Previous version" icon={ChevronLeft} />
			<span className="tabular-nums">
				{index} / {count}
			</span>
			<VersionStep conversationId={conversationId} to={nextId} label="Next version" icon={ChevronRight} />
		</nav>
	)
}

/** A link to another version, or the same arrow dimmed where there is none that way. */
function VersionStep({
	conversationId,
	to,
	label,
	icon: Icon,
}: {
	conversationId: string
	to: string | null
	label: string
	icon: IconComponent
}) {
	if (!to)
		return (
			<span className="icon-btn opacity-40" aria-hidden="true">
				<Icon size={15} />
			</span>
		)
	return (
		<a
			{...APP_LINK}
			href={`/chat/${conversationId}?branch=${to}#m-${to}`}
			className="icon-btn"
			aria-label={label}
			data-prevent-scroll-reset=""
		>
			<Icon aria-hidden="true" size={15} />
		</a>
	)
}

function EditMessage({
	message,
	errors,
	cancelHref,
}: {
	message: MessageData
	errors?: FieldErrors | undefined
	cancelHref: string
}) {
	return (
		<Form
			method="post"
			className="w-full min-w-[min(36rem,80vw)] space-y-2 rounded-2xl border border-line-strong bg-surface p-3"
		>
			<FieldScope prefix={`edit-${message.id}`} errors={errors}>
				<ErrorSummary labels={{ text: 'Edit the message' }} title="The edit was not sent" />
				<TextareaField
					name="text"
					label="Edit the message"
					description="The reply below it is kept as an earlier version."
					rows={3}
					required
					maxLength={MESSAGE_MAX_CHARS}
					defaultValue={message.content ?? ''}
					// eslint-disable-next-line jsx-a11y/no-autofocus -- the person asked to edit this message.
					autoFocus
				/>
				<div className="flex justify-end gap-2">
					<Link to={cancelHref} className="btn-secondary py-1.5" preventScrollReset>
						Cancel
					</Link>
					<button type="submit" className="btn py-1.5">
						Save and send
					</button>
				</div>
			</FieldScope>
			{/* Last, so the spacing between the visible fields is even. */}
			<input type="hidden" name="intent" value="edit" />
			<input type="hidden" name="messageId" value={message.id} />
			<ModeInput />
		</Form>
	)
}

function Attachments({ attachments }: { attachments: MessageData['attachments'] }) {
	return (
		<ul className="mt-3 flex flex-wrap gap-2">
			{attachments.map(a => (
				<li key={a.id}>
					{a.kind === 'image' ? (
						<a href={a.url} target="_blank" rel="noopener noreferrer" className="block">
							<img
								src={a.url}
								alt={a.name || 'Attached image'}
								loading="lazy"
								className="h-28 w-auto max-w-full rounded-md border border-line-strong object-cover"
							/>
						</a>
					) : (
						<a
							href={a.url}
							className="inline-flex items-center gap-1 rounded-md border border-line-strong px-2 py-1 text-sm"
							download
						>
							<Paperclip aria-hidden="true" size={14} /> {a.name || 'Attachment'}
						</a>
					)}
				</li>
			))}
		</ul>
	)
}
