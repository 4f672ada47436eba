import { Form, useNavigation } from '@remix-run/react'
import { ArrowUp, Square } from '#app/components/icons/index.tsx'
import type { KeyboardEvent } from 'react'
import { MAX_ATTACHMENTS, MESSAGE_MAX_CHARS } from '#server/domain/chat/limits.ts'
import { ErrorSummary, FieldScope, TextareaField } from '../forms.tsx'
import { AttachField } from './attach-field.tsx'
import { useHydrated } from './use-hydrated.ts'
import type { FieldErrors } from '../forms.tsx'
import { ModeInput } from './mode-input.tsx'

type Props = {
	/** The message the new one answers: the leaf of the branch on screen. */
	parentId: string | null
	/** What was typed, when the last send was refused. */
	value?: string | undefined
	/** Field errors of the last send (content, attachments). */
	errors?: FieldErrors | undefined
	/** The reply still being written, if any: the send button becomes Stop (sending waits for it). */
	streamingId: string | null
	canAttachImages: boolean
}

/**
 * The message box: a rounded box with the text, the attachments and the send button. A plain form that posts
 * and redirects; with JavaScript, Enter sends and the reply streams.
 */
export function Composer({ parentId, value, errors, streamingId, canAttachImages }: Props) {
	const hydrated = useHydrated()
	const navigation = useNavigation()
	const sending = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'send'

	function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
		// Enter sends, Shift+Enter starts a new line; never while an input method is composing a character.
		if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return
		event.preventDefault()
		event.currentTarget.form?.requestSubmit()
	}

	return (
		<Form
			method="post"
			encType="multipart/form-data"
			// A new form after each message: the box empties itself once the message is on the page.
			key={parentId ?? 'first'}
			aria-label="Send a message"
			className="space-y-2"
		>
			<FieldScope prefix="composer" errors={errors}>
				<ErrorSummary labels={{ content: 'Message', attachments: 'Attach files' }} title="The message was not sent" />
				<div className="rounded-2xl border border-line-strong bg-surface p-2 shadow-sm focus-within:border-accent">
					<TextareaField
						name="content"
						label="Message"
						hideLabel
						rows={2}
						required
						maxLength={MESSAGE_MAX_CHARS}
						defaultValue={value ?? ''}
						placeholder="Write a message…"
						// Without JavaScript, Enter is an ordinary new line: the button sends.
						description={
							hydrated ? 'Enter sends; Shift+Enter starts a new line.' : 'Press Send to send; Enter starts a new line.'
						}
						controlClassName="block max-h-[12.5rem] min-h-[3rem] w-full resize-y border-0 bg-transparent px-2 py-1.5 text-fg placeholder:text-fg-muted/70 focus:outline-none"
						onKeyDown={onKeyDown}
					/>
					<div className="flex items-end justify-between gap-2 px-1">
						<AttachField
							name="attachments"
							label="Attach files"
							multiple
							accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/*,.md,.csv,.json"
							description={`Up to ${MAX_ATTACHMENTS} files, 20 MB each${canAttachImages ? '' : '; this model cannot see images'}.`}
						/>
						{streamingId ? (
							// Submits the stop form below this one (forms cannot nest; `form` ties the button to it).
							<button type="submit" form="stop-reply" className="btn-secondary h-9 gap-1.5 rounded-xl px-3">
								<Square aria-hidden="true" size={14} className="fill-current" />
								Stop
							</button>
						) : (
							<button
								type="submit"
								className="btn h-9 rounded-xl px-3"
								disabled={sending}
								aria-label={sending ? 'Sending' : 'Send'}
							>
								<ArrowUp aria-hidden="true" size={18} />
								<span className="hidden sm:inline">{sending ? 'Sending…' : 'Send'}</span>
							</button>
						)}
					</div>
				</div>
			</FieldScope>
			{/* Last, so the spacing between the visible fields is even. */}
			<input type="hidden" name="intent" value="send" />
			{parentId ? <input type="hidden" name="parentId" value={parentId} /> : null}
			<ModeInput />
		</Form>
	)
}

/** The target of the composer's Stop button while a reply is being written. */
export function StopForm({ messageId }: { messageId: string }) {
	return (
		<Form method="post" id="stop-reply" hidden>
			<input type="hidden" name="intent" value="stop" />
			<input type="hidden" name="messageId" value={messageId} />
		</Form>
	)
}
