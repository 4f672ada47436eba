import { APP_FORM, APP_LINK } from '#app/components/app-links.tsx'
import { ChevronLeft, Download, Settings2 } from '#app/components/icons/index.tsx'
import { TITLE_MAX_CHARS } from '#server/domain/chat/limits.ts'
import { ErrorSummary, FieldScope, SelectField, TextField } from '../forms.tsx'
import type { FieldErrors } from '../forms.tsx'
import {
	PinButton,
	refusalOf,
	useChatActions,
	usePendingChanges,
	usePinFetcher,
	withPending,
} from './conversation-actions.tsx'
import { useHydrated } from './use-hydrated.ts'
import { SystemPromptField } from './system-prompt-field.tsx'
import type { ConversationData, ModelOption } from './types.ts'
import { ShareForm } from '../share/share-form.tsx'
import type { ShareableMessage } from '../share/share-form.tsx'

type Props = {
	conversation: ConversationData
	models: readonly ModelOption[]
	errors?: FieldErrors | undefined
	/** How many messages of the branch on screen can be shared (with none, there is nothing to share). */
	shareable: number
	/** The messages of the branch on screen, when the range pickers were asked for (`?share=part`). */
	shareMessages?: readonly ShareableMessage[] | undefined
}

const MENU = 'absolute right-0 top-full z-20 mt-1 rounded-xl border border-line bg-surface p-3 shadow-xl'
const SUMMARY = 'icon-btn h-9 cursor-pointer list-none gap-1.5 px-2.5 text-sm [&::-webkit-details-marker]:hidden'

/**
 * The chat's sticky header: title and model on the left; pin, export and the settings (title, model, system
 * prompt, delete) on the right. All plain forms, links and `<details>`; pin happens in place with JavaScript.
 */
export function ConversationHeader({ conversation: loaded, models, errors, shareable, shareMessages }: Props) {
	// A rename or pin on its way (from here or the list) shows at once.
	const conversation = withPending(loaded, usePendingChanges())
	const model = models.find(m => m.id === conversation.model)
	const here = `/chat/${conversation.id}`
	const hydrated = useHydrated()
	// The pin toggle is sent through the chat's fetcher (shared with the list's row), which also keeps a refusal.
	const onSubmit = useChatActions()
	const pin = usePinFetcher(conversation.id)
	const failed = Boolean(errors && Object.values(errors).some(e => e && e.length > 0))
	return (
		// The submits it handles are its pin form's own.
		// eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
		<header
			onSubmit={onSubmit}
			className="sticky top-14 z-10 flex items-center gap-2 border-b border-line bg-canvas/95 px-3 py-2 backdrop-blur md:top-0 md:px-4"
		>
			<a {...APP_LINK} href="/chat" className="icon-btn h-9 w-9 md:hidden" aria-label="All chats">
				<ChevronLeft aria-hidden="true" size={20} />
			</a>
			<div className="min-w-0 flex-1">
				<h1 className="truncate text-base font-semibold" title={conversation.title}>
					{conversation.title}
				</h1>
				<p className="truncate text-xs text-fg-muted">
					{model?.name ?? conversation.model ?? 'No model'}
					{conversation.systemPrompt ? ' · with a system prompt' : ''}
					{conversation.pinned ? ' · pinned' : ''}
				</p>
			</div>
			<PinButton
				id={conversation.id}
				pinned={conversation.pinned}
				returnTo={here}
				hydrated={hydrated}
				refusal={refusalOf(pin)}
				toggleLabel="Pin this chat"
			/>
			{shareable > 0 ? (
				<ShareForm
					kind="conversation"
					targetId={conversation.id}
					returnTo={here}
					messages={shareable > 1 ? shareMessages : undefined}
					partHref={shareable > 1 ? `${here}?share=part` : undefined}
					align="right"
					summaryClassName={SUMMARY}
				/>
			) : null}
			<details className="relative" data-menu="">
				<summary className={SUMMARY} aria-label="Export">
					<Download aria-hidden="true" size={16} />
					<span className="hidden sm:inline">Export</span>
				</summary>
				<div className={`${MENU} flex w-48 flex-col gap-1`}>
					<a
						href={`/api/chat/${conversation.id}/export?format=markdown`}
						className="btn-secondary justify-start"
						download
					>
						Export Markdown
					</a>
					<a href={`/api/chat/${conversation.id}/export?format=json`} className="btn-secondary justify-start" download>
						Export JSON
					</a>
				</div>
			</details>
			{/* Keyed by the last change: saved settings close the panel, as a full page load would. */}
			<details key={new Date(loaded.updatedAt).getTime()} className="relative" data-menu="" open={failed || undefined}>
				<summary className={SUMMARY} aria-label="Chat settings">
					<Settings2 aria-hidden="true" size={16} />
					<span className="hidden sm:inline">Settings</span>
				</summary>
				<div className={`${MENU} w-[min(24rem,calc(100vw-1.5rem))] space-y-3`}>
					<form method="post" className="space-y-3" {...APP_FORM}>
						<FieldScope prefix="settings" errors={errors}>
							<ErrorSummary
								labels={{ title: 'Title', model: 'Model for new replies', systemPrompt: 'System prompt' }}
								title="The settings were not saved"
							/>
							<TextField
								name="title"
								label="Title"
								required
								maxLength={TITLE_MAX_CHARS}
								defaultValue={conversation.title}
							/>
							<SelectField
								name="model"
								label="Model for new replies"
								defaultValue={conversation.model ?? ''}
								options={[
									...(model ? [] : [{ value: '', label: 'Pick a model' }]),
									...models.map(m => ({ value: m.id, label: m.name })),
								]}
							/>
							<SystemPromptField label="System prompt" defaultValue={conversation.systemPrompt ?? ''} />
							<button type="submit" className="btn w-full py-1.5">
								Save settings
							</button>
						</FieldScope>
						<input type="hidden" name="intent" value="settings" />
					</form>
					<div className="border-t border-line pt-3">
						<form method="post" action="/chat" {...APP_FORM}>
							<input type="hidden" name="intent" value="delete" />
							<input type="hidden" name="conversationId" value={conversation.id} />
							<input type="hidden" name="redirectTo" value="/chat" />
							<button type="submit" className="btn-danger w-full py-1.5">
								Delete chat
							</button>
						</form>
					</div>
				</div>
			</details>
		</header>
	)
}
