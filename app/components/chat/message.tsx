import { Form, Link } from '@remix-run/react'
import { MESSAGE_MAX_CHARS } from '#server/domain/chat/schema.ts'
import { LiveReply } from './live-reply.tsx'
import { MessageBody } from './message-body.tsx'
import { ModeInput } from './mode-input.tsx'
import { formatCost } from './types.ts'
import type { MessageData, ModelOption } from './types.ts'
import { useHydrated } from './use-hydrated.ts'

type Props = {
	conversationId: string
	message: MessageData
	models: readonly ModelOption[]
	/** Field errors of a failed edit of this message. */
	editError?: string | undefined
}

/** One message of the branch on screen, with the controls that act on it. Works without JavaScript throughout. */
export function ChatMessage({ conversationId, message, models, editError }: Props) {
	const hydrated = useHydrated()
	const isUser = message.role === 'user'
	const streaming = message.status === 'streaming'
	const modelName = models.find(m => m.id === message.model)?.name ?? message.model ?? 'Assistant'
	return (
		<li
			id={`m-${message.id}`}
			data-message-id={message.id}
			data-role={message.role}
			data-status={message.status}
			className={`scroll-mt-4 ${isUser ? 'ml-auto max-w-[92%] sm:max-w-[80%]' : ''}`}
		>
			<div
				className={
					isUser
						? 'rounded-2xl rounded-br-md border border-accent/30 bg-accent-soft px-4 py-3'
						: 'rounded-2xl rounded-bl-md border border-line bg-surface px-4 py-3'
				}
			>
				<div className="mb-1 flex flex-wrap items-center justify-between gap-x-3 gap-y-1 text-xs text-fg-muted">
					<span className="font-medium text-fg-soft">{isUser ? 'You' : modelName}</span>
					{message.siblings.count > 1 ? <Versions conversationId={conversationId} message={message} /> : null}
				</div>
				{isUser ? (
					<p className="whitespace-pre-wrap break-words">{message.content}</p>
				) : streaming && hydrated ? (
					<LiveReply conversationId={conversationId} messageId={message.id} initial={message.content ?? ''} />
				) : message.html ? (
					<MessageBody html={message.html} />
				) : (
					<p className="text-sm italic text-fg-muted">{streaming ? 'Writing…' : 'No text.'}</p>
				)}
				{message.attachments.length > 0 ? <Attachments attachments={message.attachments} /> : null}
				{message.error ? (
					<p role="alert" className="mt-3 rounded-md border border-danger-line bg-danger-soft p-2 text-sm text-danger">
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
			<div
				className={`mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-fg-muted ${isUser ? 'justify-end' : ''}`}
			>
				{isUser ? (
					<EditMessage message={message} error={editError} />
				) : streaming ? (
					<Form method="post" className="inline">
						<input type="hidden" name="intent" value="stop" />
						<input type="hidden" name="messageId" value={message.id} />
						<button type="submit" className="rounded border border-line-strong px-2 py-1 text-fg hover:bg-raised">
							Stop
						</button>
					</Form>
				) : (
					<>
						<Form method="post" className="inline">
							<input type="hidden" name="intent" value="regenerate" />
							<input type="hidden" name="messageId" value={message.id} />
							<ModeInput />
							<button type="submit" className="rounded px-1 py-1 text-link hover:underline">
								{message.status === 'error' ? 'Retry' : 'Regenerate'}
							</button>
						</Form>
						{message.outputTokens !== null ? (
							<span>
								{(message.inputTokens ?? 0) + message.outputTokens} tokens
								{message.costMicros > 0 ? ` · ${formatCost(message.costMicros)}` : ''}
							</span>
						) : null}
					</>
				)}
			</div>
		</li>
	)
}

/** "‹ 2 / 3 ›": plain links to the other versions of this message; the page remembers the branch chosen. */
function Versions({ conversationId, message }: { conversationId: string; message: MessageData }) {
	const { index, count, previousId, nextId } = message.siblings
	const link = (id: string) => `/chat/${conversationId}?branch=${id}#m-${id}`
	const arrow =
		'inline-flex min-h-6 min-w-6 items-center justify-center rounded px-1 text-fg no-underline hover:bg-raised hover:no-underline'
	return (
		<nav aria-label="Versions" className="flex items-center gap-1" data-versions="">
			{previousId ? (
				<Link to={link(previousId)} className={arrow} preventScrollReset>
					‹<span className="sr-only"> previous version</span>
				</Link>
			) : (
				<span className={`${arrow} opacity-30`} aria-hidden="true">
					‹
				</span>
			)}
			<span>
				{index} / {count}
			</span>
			{nextId ? (
				<Link to={link(nextId)} className={arrow} preventScrollReset>
					›<span className="sr-only"> next version</span>
				</Link>
			) : (
				<span className={`${arrow} opacity-30`} aria-hidden="true">
					›
				</span>
			)}
		</nav>
	)
}

function EditMessage({ message, error }: { message: MessageData; error?: string | undefined }) {
	const id = `edit-${message.id}`
	return (
		<details className="w-full text-right" open={error ? true : undefined}>
			<summary className="cursor-pointer list-none text-link hover:underline">Edit</summary>
			<Form method="post" className="mt-2 space-y-2 text-left">
				<label htmlFor={id} className="block text-xs text-fg-muted">
					Edit the message; the reply below it is kept as an earlier version.
				</label>
				<textarea
					id={id}
					name="text"
					rows={3}
					required
					maxLength={MESSAGE_MAX_CHARS}
					defaultValue={message.content ?? ''}
					className="field text-sm"
					aria-invalid={error ? true : undefined}
					aria-describedby={error ? `${id}-error` : undefined}
				/>
				{error ? (
					<p id={`${id}-error`} className="text-sm text-danger">
						{error}
					</p>
				) : null}
				<button type="submit" className="btn">
					Save and send
				</button>
				{/* Last, so the spacing between the visible fields is even. */}
				<input type="hidden" name="intent" value="edit" />
				<input type="hidden" name="messageId" value={message.id} />
				<ModeInput />
			</Form>
		</details>
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
							📎 {a.name || 'Attachment'}
						</a>
					)}
				</li>
			))}
		</ul>
	)
}
