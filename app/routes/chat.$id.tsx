import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { useActionData, useLoaderData, useLocation } from '@remix-run/react'
import { APP_LINK } from '#app/components/app-links.tsx'
import { useEffect, useRef } from 'react'
import { Composer, StopForm } from '#app/components/chat/composer.tsx'
import { ConversationHeader } from '#app/components/chat/conversation-header.tsx'
import { ChatMessage } from '#app/components/chat/message.tsx'
import { useHydrated } from '#app/components/chat/use-hydrated.ts'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { ATTACHMENT_MAX_BYTES, MAX_ATTACHMENTS } from '#server/domain/chat/limits.ts'
import { ChatActionSchema, ThreadQuerySchema } from '#app/utils/schemas.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

/** Sending, editing and regenerating call a model; a message carries up to MAX_ATTACHMENTS files. */
export const handle: RouteHandle = {
	rateLimit: { action: 'chat' },
	bodyLimit: uploadBodyLimit(MAX_ATTACHMENTS, ATTACHMENT_MAX_BYTES),
	shell: { skipLinks: [{ href: '#composer-content', label: 'Skip to the message box' }] },
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { chat } = context.services
	const query = parseWith(ThreadQuerySchema, readQuery(request))
	const thread = await chat.thread(user, params.id ?? '', query.ok ? query.value : {})
	if ('refused' in thread) throw notFound('That chat does not exist, or it is not yours.')
	// Finished replies travel as their rendered HTML only; the markdown stays on the server.
	const messages = thread.messages.map(m => ({
		...m,
		content: m.role === 'assistant' && m.status !== 'streaming' ? null : m.content,
	}))
	return { ...thread, messages, models: chat.models() }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const id = params.id ?? ''
	const { chat } = context.services
	const form = await readChatForm(request, {
		fileFields: ['attachments'],
		maxFiles: MAX_ATTACHMENTS,
		maxFileBytes: ATTACHMENT_MAX_BYTES,
	})
	const values: { content?: string | undefined; text?: string | undefined } = form.ok
		? { content: form.fields.content, text: form.fields.text }
		: {}
	if (!form.ok)
		return data(
			{ intent: 'send', messageId: null, fields: { [form.field]: [form.message] }, values },
			{ status: form.status },
		)
	const parsed = parseWith(ChatActionSchema, form.fields)
	if (!parsed.ok) {
		const intent = form.fields.intent ?? 'send'
		return data({ intent, messageId: form.fields.messageId ?? null, fields: parsed.fields, values }, { status: 400 })
	}
	const input = parsed.value
	const wait = 'mode' in input ? input.mode === 'wait' : true
	const result =
		input.intent === 'send'
			? await chat.send(user, id, { content: input.content, parentId: input.parentId, files: form.files }, { wait })
			: input.intent === 'edit'
				? await chat.edit(user, id, input.messageId, input.text, { wait })
				: input.intent === 'regenerate'
					? await chat.regenerate(user, id, input.messageId, { wait })
					: input.intent === 'stop'
						? await chat.stop(user, id, input.messageId)
						: await chat.update(user, id, {
								title: input.title,
								model: input.model,
								systemPrompt: input.systemPrompt ?? null,
							})
	if ('refused' in result) {
		const messageId = 'messageId' in input ? input.messageId : null
		const field = input.intent === 'edit' ? 'text' : input.intent === 'settings' ? 'title' : 'content'
		return data(
			{ intent: input.intent, messageId, fields: result.fields ?? { [field]: [result.message] }, values },
			{ status: result.status, headers: result.headers ?? {} },
		)
	}
	// PRG: the page that follows shows the new reply (whole, or streaming into it with JavaScript).
	const anchor = 'replyId' in result ? `#m-${result.replyId}` : input.intent === 'stop' ? `#m-${input.messageId}` : ''
	return redirect(`/chat/${id}${anchor}`, 303)
}

export default function Conversation() {
	const { conversation, messages, leafId, earlierBefore, showingEarlier, streamingId, models } =
		useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const failed = (intent: string) => (actionData?.intent === intent ? actionData : null)
	const sendError = failed('send')
	const settingsError = failed('settings')
	const model = models.find(m => m.id === conversation.model)
	const otherError =
		actionData && ['regenerate', 'stop'].includes(actionData.intent)
			? Object.values(actionData.fields)[0]?.[0]
			: undefined
	const latest = useRef<HTMLSpanElement>(null)
	// Read once for the page: each message takes them as props instead of subscribing to them.
	const hydrated = useHydrated()
	const { pathname, search } = useLocation()
	const shareable = messages.filter(m => m.role !== 'system' && m.status !== 'streaming')
	// Opened at the newest message: without JavaScript the list's links carry #latest; with it, a chat opened
	// without an anchor, and each new message, scroll there too.
	useEffect(() => {
		if (!window.location.hash) latest.current?.scrollIntoView({ block: 'end' })
	}, [conversation.id, messages.length])
	return (
		<article
			className="flex min-h-[calc(100dvh-3.5rem)] flex-col md:h-screen md:min-h-0"
			data-conversation-id={conversation.id}
		>
			<ConversationHeader
				conversation={conversation}
				models={models}
				errors={settingsError?.fields}
				shareable={shareable.length}
				shareMessages={
					new URLSearchParams(search).get('share') === 'part'
						? shareable.map(m => ({
								id: m.id,
								label: `${m.role === 'user' ? 'You' : 'Reply'}: ${(m.content ?? m.html?.replace(/<[^>]+>/g, ' ') ?? '').trim().slice(0, 60)}`,
							}))
						: undefined
				}
			/>
			<div className="flex-1 md:min-h-0 md:overflow-y-auto" data-message-scroller="">
				<div className="mx-auto max-w-3xl space-y-6 px-4 py-6">
					{earlierBefore ? (
						<p className="text-center">
							<a
								{...APP_LINK}
								href={`?before=${earlierBefore}`}
								className="btn-secondary py-1.5 text-sm"
								data-prevent-scroll-reset=""
							>
								Show earlier messages
							</a>
						</p>
					) : null}
					{messages.length === 0 ? (
						<p className="rounded-xl border border-dashed border-line-strong p-6 text-center text-fg-muted">
							No messages yet. Write the first one below.
						</p>
					) : (
						<ol className="space-y-6" aria-label="Messages">
							{messages.map(message => (
								<ChatMessage
									key={message.id}
									conversationId={conversation.id}
									message={message}
									models={models}
									editErrors={failed('edit')?.messageId === message.id ? failed('edit')?.fields : undefined}
									hydrated={hydrated}
									search={search}
									pathname={pathname}
								/>
							))}
						</ol>
					)}
					{showingEarlier ? (
						<p className="text-center">
							<a {...APP_LINK} href={`/chat/${conversation.id}`} className="btn-secondary py-1.5 text-sm">
								Back to the latest messages
							</a>
						</p>
					) : null}
					{otherError ? (
						<p role="alert" className="callout-danger">
							{otherError}
						</p>
					) : null}
					<span id="latest" ref={latest} className="block scroll-mb-4" />
				</div>
			</div>
			{/* Pinned to the bottom: of the column on wide screens, of the viewport on a phone. */}
			<div className="sticky bottom-0 bg-gradient-to-t from-canvas from-70% to-transparent px-4 pb-4 pt-2">
				<div className="mx-auto max-w-3xl">
					<Composer
						parentId={leafId}
						value={sendError?.values.content}
						errors={sendError?.fields}
						streamingId={streamingId}
						canAttachImages={model?.vision ?? false}
					/>
					{streamingId ? <StopForm messageId={streamingId} /> : null}
				</div>
			</div>
		</article>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.conversation.title ?? 'Chat'} · Generation Studio` },
]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
