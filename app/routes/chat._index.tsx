import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { json, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { ModeInput } from '#app/components/chat/mode-input.tsx'
import { readChatForm } from '#app/utils/uploads.server.ts'
import {
	ChatExportSchema,
	IMPORT_MAX_BYTES,
	MESSAGE_MAX_CHARS,
	NewChatSchema,
	SYSTEM_PROMPT_MAX_CHARS,
} from '#server/domain/chat/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'

/** Starting a chat may call a model at once (its first message); importing writes a whole conversation. */
export const handle: RouteHandle = { rateLimit: { action: 'chat' }, bodyLimit: uploadBodyLimit(1, IMPORT_MAX_BYTES) }

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireUser(request, context)
	const { chat } = context.services
	return json({ models: chat.models(), defaultModel: chat.defaultModel() })
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { chat } = context.services
	const form = await readChatForm(request, { fileFields: ['file'], maxFiles: 1, maxFileBytes: IMPORT_MAX_BYTES })
	if (!form.ok)
		return json({ intent: 'import', fields: { [form.field]: [form.message] }, values: {} }, { status: form.status })
	if (form.fields.intent === 'import') {
		const file = form.files[0]
		if (!file)
			return json(
				{ intent: 'import', fields: { file: ['Choose a JSON export to import.'] }, values: {} },
				{ status: 400 },
			)
		let data: unknown
		try {
			data = JSON.parse(new TextDecoder().decode(file.data))
		} catch {
			return json({ intent: 'import', fields: { file: ['That file is not JSON.'] }, values: {} }, { status: 400 })
		}
		const parsed = parseWith(ChatExportSchema, data)
		if (!parsed.ok) {
			const problem =
				parsed.formErrors[0] ?? Object.values(parsed.fields)[0]?.[0] ?? 'That file is not a conversation export.'
			return json({ intent: 'import', fields: { file: [problem] }, values: {} }, { status: 400 })
		}
		const imported = await chat.importConversation(user, parsed.value)
		if ('refused' in imported) {
			return json(
				{ intent: 'import', fields: imported.fields ?? { file: [imported.message] }, values: {} },
				{ status: imported.status },
			)
		}
		return redirect(`/chat/${imported.id}`, 303)
	}
	const parsed = parseWith(NewChatSchema, form.fields)
	if (!parsed.ok) return json({ intent: 'new', fields: parsed.fields, values: form.fields }, { status: 400 })
	const { mode, ...input } = parsed.value
	const started = await chat.start(user, input, { wait: mode === 'wait' })
	if ('refused' in started) {
		return json(
			{ intent: 'new', fields: started.fields ?? { content: [started.message] }, values: form.fields },
			{ status: started.status, headers: started.headers ?? {} },
		)
	}
	const hash = started.replyId ? `#m-${started.replyId}` : ''
	return redirect(`/chat/${started.conversation.id}${hash}`, 303)
}

export default function NewChat() {
	const { models, defaultModel } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const navigation = useNavigation()
	const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST'
	const fields: Record<string, string[] | undefined> = actionData?.fields ?? {}
	const values: Record<string, string | undefined> = actionData?.values ?? {}
	const error = (name: string) => (actionData?.intent !== 'import' ? fields[name]?.[0] : undefined)
	return (
		<section aria-labelledby="new-chat" className="mx-auto max-w-3xl space-y-6">
			<div>
				<h1 id="new-chat" className="text-2xl font-bold">
					Chat
				</h1>
				<p className="mt-1 text-sm text-fg-muted">
					Ask anything. Replies stream in as they are written; every edit keeps the earlier version.
				</p>
			</div>
			<Form method="post" className="card space-y-4">
				<div>
					<label htmlFor="content" className="block text-sm font-medium">
						Message
					</label>
					<textarea
						id="content"
						name="content"
						rows={4}
						maxLength={MESSAGE_MAX_CHARS}
						defaultValue={values.content ?? ''}
						placeholder="Write your first message (or leave it empty to start a blank chat)"
						className="field mt-1"
						aria-invalid={error('content') ? true : undefined}
						aria-describedby={error('content') ? 'content-error' : undefined}
					/>
					{error('content') ? (
						<p id="content-error" role="alert" className="mt-1 text-sm text-danger">
							{error('content')}
						</p>
					) : null}
				</div>
				<div className="grid gap-4 sm:grid-cols-2">
					<div>
						<label htmlFor="model" className="block text-sm font-medium">
							Model
						</label>
						<select
							id="model"
							name="model"
							defaultValue={values.model ?? defaultModel}
							className="field mt-1"
							aria-invalid={error('model') ? true : undefined}
							aria-describedby={error('model') ? 'model-error' : undefined}
						>
							{models.map(m => (
								<option key={m.id} value={m.id}>
									{m.name}
									{m.vision ? ' (sees images)' : ''}
								</option>
							))}
						</select>
						{error('model') ? (
							<p id="model-error" className="mt-1 text-sm text-danger">
								{error('model')}
							</p>
						) : null}
					</div>
					<div className="flex items-end">
						<button type="submit" className="btn w-full" disabled={busy}>
							{busy ? 'Starting…' : 'Start chat'}
						</button>
					</div>
				</div>
				<details open={Boolean(values.systemPrompt || error('systemPrompt'))}>
					<summary className="cursor-pointer text-sm text-fg-soft">System prompt (optional)</summary>
					<label htmlFor="systemPrompt" className="mt-2 block text-xs text-fg-muted">
						Instructions the model follows for the whole chat, e.g. “Answer in French, briefly.”
					</label>
					<textarea
						id="systemPrompt"
						name="systemPrompt"
						rows={3}
						maxLength={SYSTEM_PROMPT_MAX_CHARS}
						defaultValue={values.systemPrompt ?? ''}
						className="field mt-1"
						aria-invalid={error('systemPrompt') ? true : undefined}
					/>
					{error('systemPrompt') ? <p className="mt-1 text-sm text-danger">{error('systemPrompt')}</p> : null}
				</details>
				{/* Last, so the spacing between the visible fields is even. */}
				<input type="hidden" name="intent" value="new" />
				<ModeInput />
			</Form>
			<ImportForm error={actionData?.intent === 'import' ? fields.file?.[0] : undefined} />
		</section>
	)
}

function ImportForm({ error }: { error: string | undefined }) {
	return (
		<details className="card" open={error ? true : undefined}>
			<summary className="cursor-pointer text-sm font-medium">Import a conversation</summary>
			<Form method="post" encType="multipart/form-data" className="mt-3 space-y-3">
				<label htmlFor="import-file" className="block text-sm text-fg-soft">
					A JSON file made with “Export JSON” (every branch is kept).
				</label>
				<input
					id="import-file"
					name="file"
					type="file"
					accept="application/json,.json"
					required
					className="block w-full text-sm file:mr-3 file:rounded file:border-0 file:bg-raised file:px-3 file:py-1.5 file:text-fg"
					aria-invalid={error ? true : undefined}
					aria-describedby={error ? 'import-error' : undefined}
				/>
				{error ? (
					<p id="import-error" role="alert" className="text-sm text-danger">
						{error}
					</p>
				) : null}
				<button type="submit" name="intent" value="import" className="btn-secondary">
					Import
				</button>
			</Form>
		</details>
	)
}

export const meta: MetaFunction = () => [{ title: 'New chat · Generation Studio' }]
