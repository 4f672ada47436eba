import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Outlet, useActionData, useLoaderData, useParams } from '@remix-run/react'
import hljsStyles from 'highlight.js/styles/github-dark.min.css'
import chatStyles from '#app/components/chat/chat.css'
import { ConversationList } from '#app/components/chat/conversation-list.tsx'
import { ConversationActionSchema, ConversationListQuerySchema } from '#app/utils/schemas.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm, readQuery } from '#app/utils/input.server.ts'
import { redirectWithFlash, undoWith } from '#app/utils/flash.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

/** Rename, pin and delete, from the list or a chat's header (rename and pin in place with JavaScript). */
export const handle = { rateLimit: { action: 'write' }, shell: { fullBleed: true } }

export const links: LinksFunction = () => [
	{ rel: 'stylesheet', href: chatStyles },
	{ rel: 'stylesheet', href: hljsStyles },
]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const query = parseWith(ConversationListQuerySchema, readQuery(request))
	const q = query.ok ? (query.value.q ?? '') : ''
	const page = await context.services.chat.list(user, { query: q, cursor: query.ok ? query.value.cursor : null })
	return { ...page, query: q }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(ConversationActionSchema, await readForm(request))
	if (!parsed.ok) return data({ message: Object.values(parsed.fields)[0]?.[0] ?? 'Unknown action.' }, { status: 400 })
	const { chat } = context.services
	const input = parsed.value
	if (input.intent === 'delete') {
		const removed = await chat.remove(user, input.conversationId)
		if (removed !== true) return data({ message: removed.message }, { status: removed.status })
		return redirectWithFlash(context, input.redirectTo ?? '/chat', {
			kind: 'success',
			message: 'Chat deleted.',
			undo: undoWith('/chat', { intent: 'restore', conversationId: input.conversationId }),
		})
	}
	if (input.intent === 'restore') {
		const restored = await chat.restore(user, input.conversationId)
		if (restored !== true) return redirectWithFlash(context, '/chat', { kind: 'error', message: restored.message })
		return redirectWithFlash(context, `/chat/${input.conversationId}`, { kind: 'success', message: 'Chat restored.' })
	}
	const result =
		input.intent === 'rename'
			? await chat.rename(user, input.conversationId, input.title)
			: await chat.setPinned(user, input.conversationId, input.pinned)
	if (result !== true && 'refused' in result) return data({ message: result.message }, { status: result.status })
	// A plain form says where to go back to (post/redirect/get); a fetcher (JavaScript) stays where it is.
	if (input.redirectTo) return redirect(input.redirectTo, 303)
	return { ok: true as const }
}

export default function ChatLayout() {
	const { items, nextCursor, query } = useLoaderData<typeof loader>()
	// A rename, pin or delete that was refused says why above the list (with and without JavaScript).
	const actionData = useActionData<typeof action>()
	const refused = actionData && 'message' in actionData ? actionData.message : null
	const { id } = useParams()
	return (
		// Wide screens: the page does not scroll; the list and the messages scroll on their own.
		<div className="flex flex-col md:h-screen md:flex-row">
			{/* On a phone an open chat takes the screen; the list is one tap away ("All chats"). */}
			<aside
				aria-label="Your chats"
				className={`order-2 flex-col border-line bg-surface/60 md:order-none md:flex md:h-screen md:w-64 md:shrink-0 md:border-r xl:w-72 ${
					id ? 'hidden' : 'flex border-t'
				}`}
			>
				{refused ? (
					<p role="alert" className="callout-danger m-3">
						{refused}
					</p>
				) : null}
				<ConversationList items={items} query={query} nextCursor={nextCursor} activeId={id} />
			</aside>
			<div className="min-w-0 flex-1 md:h-screen">
				<Outlet />
			</div>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Chat · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
