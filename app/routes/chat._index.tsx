import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { ModeInput } from '#app/components/chat/mode-input.tsx'
import { SystemPromptField } from '#app/components/chat/system-prompt-field.tsx'
import { ErrorSummary, FieldScope, FileField, SelectField, TextareaField } from '#app/components/forms.tsx'
import type { FieldErrors } from '#app/components/forms.tsx'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { IMPORT_MAX_BYTES, MESSAGE_MAX_CHARS } from '#server/domain/chat/limits.ts'
import { ChatExportSchema, IMPORT_EXPECTED, importProblem, NewChatSchema } from '#app/utils/schemas.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

/** Starting a chat may call a model at once (its first message); importing writes a whole conversation. */
export const handle: RouteHandle = {
	rateLimit: { action: 'chat' },
	bodyLimit: uploadBodyLimit(1, IMPORT_MAX_BYTES),
	shell: { skipLinks: [{ href: '#new-content', label: 'Skip to the message box' }] },
}

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireUser(request, context)
	const { chat } = context.services
	return { models: chat.models(), defaultModel: chat.defaultModel() }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { chat } = context.services
	const form = await readChatForm(request, { fileFields: ['file'], maxFiles: 1, maxFileBytes: IMPORT_MAX_BYTES })
	if (!form.ok)
		return data({ intent: 'import', fields: { [form.field]: [form.message] }, values: {} }, { status: form.status })
	if (form.fields.intent === 'import') {
		const file = form.files[0]
		if (!file)
			return data(
				{ intent: 'import', fields: { file: ['Choose a JSON export to import.'] }, values: {} },
				{ status: 400 },
			)
		let exported: unknown
		try {
			exported = JSON.parse(new TextDecoder().decode(file.data))
		} catch {
			return data(
				{
					intent: 'import',
					fields: { file: [`That file is not JSON. ${IMPORT_EXPECTED.replace(/^[^.]*\. /, '')}`] },
					values: {},
				},
				{ status: 400 },
			)
		}
		const parsed = parseWith(ChatExportSchema, exported, { blankForMissing: false })
		if (!parsed.ok) {
			const problem = importProblem([...parsed.formErrors, ...Object.values(parsed.fields).flat()])
			return data({ intent: 'import', fields: { file: [problem] }, values: {} }, { status: 400 })
		}
		const imported = await chat.importConversation(user, parsed.value)
		if ('refused' in imported) {
			return data(
				{ intent: 'import', fields: imported.fields ?? { file: [imported.message] }, values: {} },
				{ status: imported.status },
			)
		}
		return redirect(`/chat/${imported.id}`, 303)
	}
	const parsed = parseWith(NewChatSchema, form.fields)
	if (!parsed.ok) return data({ intent: 'new', fields: parsed.fields, values: form.fields }, { status: 400 })
	const { mode, ...input } = parsed.value
	const started = await chat.start(user, input, { wait: mode === 'wait' })
	if ('refused' in started) {
		return data(
			{ intent: 'new', fields: started.fields ?? { content: [started.message] }, values: form.fields },
			{ status: started.status, headers: started.headers ?? {} },
		)
	}
	const hash = started.replyId ? `#m-${started.replyId}` : ''
	return redirect(`/chat/${started.conversation.id}${hash}`, 303)
}

const EXAMPLES = [
	'Explain how a transformer model works, in five short paragraphs.',
	'Write a haiku about lighthouses.',
	'Draft a polite e-mail asking to move a meeting to Thursday.',
	'Give me a TypeScript function that debounces another function.',
]

export default function NewChat() {
	const { models, defaultModel } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const navigation = useNavigation()
	const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST'
	const fields: FieldErrors | undefined = actionData?.intent === 'new' ? actionData.fields : undefined
	const values: Record<string, string | undefined> = actionData?.values ?? {}
	return (
		<div className="h-full overflow-y-auto px-4 py-8 md:px-8">
			<section aria-labelledby="new-chat" className="mx-auto max-w-3xl space-y-6">
				<div>
					<h1 id="new-chat" className="text-2xl font-semibold tracking-tight">
						New chat
					</h1>
					<p className="mt-1 text-sm text-fg-muted">
						Ask anything. Replies stream in as they are written; every edit keeps the earlier version.
					</p>
				</div>
				<Form method="post" className="card space-y-4">
					<FieldScope prefix="new" errors={fields}>
						<ErrorSummary
							labels={{ content: 'Message', model: 'Model', systemPrompt: 'System prompt' }}
							title="The chat was not started"
						/>
						<TextareaField
							name="content"
							label="Message"
							rows={4}
							maxLength={MESSAGE_MAX_CHARS}
							defaultValue={values.content ?? ''}
							placeholder="Write your first message (or leave it empty to start a blank chat)"
						/>
						<div className="grid items-end gap-4 sm:grid-cols-2">
							<SelectField
								name="model"
								label="Model"
								defaultValue={values.model ?? defaultModel}
								options={models.map(m => ({ value: m.id, label: `${m.name}${m.vision ? ' (sees images)' : ''}` }))}
							/>
							<button type="submit" className="btn w-full" disabled={busy}>
								{busy ? 'Starting…' : 'Start chat'}
							</button>
						</div>
						<details open={Boolean(values.systemPrompt || fields?.systemPrompt)}>
							<summary className="cursor-pointer text-sm font-medium text-fg-soft">System prompt (optional)</summary>
							<SystemPromptField
								label="Instructions for the whole chat"
								description="For example: “Answer in French, briefly.”"
								defaultValue={values.systemPrompt ?? ''}
								className="mt-2"
							/>
						</details>
					</FieldScope>
					{/* Last, so the spacing between the visible fields is even. */}
					<input type="hidden" name="intent" value="new" />
					<ModeInput />
				</Form>
				<section aria-labelledby="examples">
					<h2 id="examples" className="text-sm font-medium text-fg-muted">
						Or start from an example
					</h2>
					<ul className="mt-2 grid gap-2 sm:grid-cols-2">
						{EXAMPLES.map(example => (
							<li key={example}>
								<Form method="post">
									<input type="hidden" name="intent" value="new" />
									<input type="hidden" name="content" value={example} />
									<input type="hidden" name="model" value={defaultModel} />
									<ModeInput />
									<button
										type="submit"
										className="h-full w-full rounded-xl border border-line bg-surface px-4 py-3 text-left text-sm text-fg-soft hover:border-accent hover:text-fg"
									>
										{example}
									</button>
								</Form>
							</li>
						))}
					</ul>
				</section>
				<ImportForm errors={actionData?.intent === 'import' ? actionData.fields : undefined} />
			</section>
		</div>
	)
}

function ImportForm({ errors }: { errors: FieldErrors | undefined }) {
	return (
		<details className="card" open={errors ? true : undefined}>
			<summary className="cursor-pointer text-sm font-medium">Import a conversation</summary>
			<Form method="post" encType="multipart/form-data" className="mt-3 space-y-3">
				<FieldScope prefix="import" errors={errors}>
					<ErrorSummary labels={{ file: 'The export file' }} title="Nothing was imported" />
					<FileField
						name="file"
						label="A JSON file made with “Export JSON” (every branch is kept)."
						accept="application/json,.json"
						required
					/>
					<button type="submit" name="intent" value="import" className="btn-secondary">
						Import
					</button>
				</FieldScope>
			</Form>
		</details>
	)
}

export const meta: MetaFunction = () => [{ title: 'New chat · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
