import { Form } from '@remix-run/react'
import { SYSTEM_PROMPT_MAX_CHARS, TITLE_MAX_CHARS } from '#server/domain/chat/schema.ts'
import type { ConversationData, ModelOption } from './types.ts'

type Props = { conversation: ConversationData; models: readonly ModelOption[]; error?: string | undefined }

/** The chat's title and model, with its settings, pin, export and delete, all plain forms and links. */
export function ConversationHeader({ conversation, models, error }: Props) {
	const model = models.find(m => m.id === conversation.model)
	const here = `/chat/${conversation.id}`
	return (
		<header className="space-y-2">
			<div className="flex flex-wrap items-start justify-between gap-3">
				<div className="min-w-0">
					<h1 className="break-words text-xl font-semibold sm:text-2xl">{conversation.title}</h1>
					<p className="mt-1 text-sm text-fg-muted">
						{model?.name ?? conversation.model ?? 'No model'}
						{conversation.systemPrompt ? ' · with a system prompt' : ''}
						{conversation.pinned ? ' · pinned' : ''}
					</p>
				</div>
				<div className="flex flex-wrap gap-2 text-sm">
					<a
						href={`/api/chat/${conversation.id}/export?format=markdown`}
						className="btn-secondary px-3 py-1.5"
						download
					>
						Export Markdown
					</a>
					<a href={`/api/chat/${conversation.id}/export?format=json`} className="btn-secondary px-3 py-1.5" download>
						Export JSON
					</a>
				</div>
			</div>
			{/* Keyed by the last change: saved settings close the panel, as a full page load would. */}
			<details
				key={conversation.updatedAt}
				className="rounded-lg border border-line bg-surface px-3 py-2"
				open={error ? true : undefined}
			>
				<summary className="cursor-pointer text-sm text-fg-soft">Chat settings</summary>
				<Form method="post" className="mt-3 grid gap-3 sm:grid-cols-2">
					<input type="hidden" name="intent" value="settings" />
					<div>
						<label htmlFor="settings-title" className="block text-xs text-fg-muted">
							Title
						</label>
						<input
							id="settings-title"
							name="title"
							required
							maxLength={TITLE_MAX_CHARS}
							defaultValue={conversation.title}
							className="field mt-1 py-1.5 text-sm"
							aria-invalid={error ? true : undefined}
							aria-describedby={error ? 'settings-error' : undefined}
						/>
					</div>
					<div>
						<label htmlFor="settings-model" className="block text-xs text-fg-muted">
							Model for new replies
						</label>
						<select
							id="settings-model"
							name="model"
							defaultValue={conversation.model ?? ''}
							className="field mt-1 py-1.5 text-sm"
						>
							{model ? null : <option value="">Pick a model</option>}
							{models.map(m => (
								<option key={m.id} value={m.id}>
									{m.name}
								</option>
							))}
						</select>
					</div>
					<div className="sm:col-span-2">
						<label htmlFor="settings-system" className="block text-xs text-fg-muted">
							System prompt
						</label>
						<textarea
							id="settings-system"
							name="systemPrompt"
							rows={2}
							maxLength={SYSTEM_PROMPT_MAX_CHARS}
							defaultValue={conversation.systemPrompt ?? ''}
							className="field mt-1 text-sm"
						/>
					</div>
					{error ? (
						<p id="settings-error" role="alert" className="text-sm text-danger sm:col-span-2">
							{error}
						</p>
					) : null}
					<div className="flex flex-wrap gap-2 sm:col-span-2">
						<button type="submit" className="btn py-1.5">
							Save settings
						</button>
					</div>
				</Form>
				<div className="mt-3 flex flex-wrap gap-2 border-t border-line pt-3">
					<Form method="post" action="/chat">
						<input type="hidden" name="intent" value="pin" />
						<input type="hidden" name="conversationId" value={conversation.id} />
						<input type="hidden" name="pinned" value={conversation.pinned ? 'false' : 'true'} />
						<input type="hidden" name="redirectTo" value={here} />
						<button type="submit" className="btn-secondary py-1.5">
							{conversation.pinned ? 'Unpin' : 'Pin to the top'}
						</button>
					</Form>
					<Form method="post" action="/chat">
						<input type="hidden" name="intent" value="delete" />
						<input type="hidden" name="conversationId" value={conversation.id} />
						<input type="hidden" name="redirectTo" value="/chat" />
						<button type="submit" className="btn-secondary border-danger-line py-1.5 text-danger hover:bg-danger-soft">
							Delete chat
						</button>
					</Form>
				</div>
			</details>
		</header>
	)
}
