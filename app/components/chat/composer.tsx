import { Form, useNavigation } from '@remix-run/react'
import type { KeyboardEvent } from 'react'
import { MAX_ATTACHMENTS, MESSAGE_MAX_CHARS } from '#server/domain/chat/schema.ts'
import { ModeInput } from './mode-input.tsx'

type Props = {
	/** The message the new one answers: the leaf of the branch on screen. */
	parentId: string | null
	/** What was typed, when the last send was refused. */
	value?: string | undefined
	errors?: { content?: string | undefined; attachments?: string | undefined; form?: string | undefined }
	/** A reply is still being written: sending waits for it (or for Stop). */
	busy: boolean
	canAttachImages: boolean
}

/** The message box: a plain form that posts and redirects; with JavaScript, Enter sends and the reply streams. */
export function Composer({ parentId, value, errors = {}, busy, canAttachImages }: Props) {
	const navigation = useNavigation()
	const sending = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'send'

	function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
		// Enter sends, Shift+Enter starts a new line; never while an input method is composing a character.
		if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return
		event.preventDefault()
		event.currentTarget.form?.requestSubmit()
	}

	const describedBy = [errors.content ? 'composer-error' : null, 'composer-hint'].filter(Boolean).join(' ')
	return (
		<Form
			method="post"
			encType="multipart/form-data"
			// A new form after each message: the box empties itself once the message is on the page.
			key={parentId ?? 'first'}
			className="rounded-xl border border-line bg-surface p-3"
			aria-label="Send a message"
		>
			<input type="hidden" name="intent" value="send" />
			{parentId ? <input type="hidden" name="parentId" value={parentId} /> : null}
			<ModeInput />
			{errors.form ? (
				<p role="alert" className="mb-2 rounded-md border border-danger-line bg-danger-soft p-2 text-sm text-danger">
					{errors.form}
				</p>
			) : null}
			<label htmlFor="composer" className="sr-only">
				Message
			</label>
			<textarea
				id="composer"
				name="content"
				rows={3}
				required
				maxLength={MESSAGE_MAX_CHARS}
				defaultValue={value ?? ''}
				placeholder="Write a message…"
				className="field min-h-[4.5rem] resize-y border-0 bg-transparent px-1 focus:outline-none"
				aria-invalid={errors.content ? true : undefined}
				aria-describedby={describedBy}
				onKeyDown={onKeyDown}
			/>
			{errors.content ? (
				<p id="composer-error" className="mt-1 text-sm text-danger">
					{errors.content}
				</p>
			) : null}
			<div className="mt-2 flex flex-wrap items-center justify-between gap-2">
				<div className="min-w-0 text-xs text-fg-muted">
					<label htmlFor="attachments" className="cursor-pointer">
						<span className="text-fg-soft">Attach files</span>{' '}
						<span id="composer-hint">
							(up to {MAX_ATTACHMENTS}, 20 MB each{canAttachImages ? '' : '; this model cannot see images'})
						</span>
					</label>
					<input
						id="attachments"
						name="attachments"
						type="file"
						multiple
						accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/*,.md,.csv,.json"
						className="mt-1 block w-full max-w-xs text-xs file:mr-2 file:rounded file:border-0 file:bg-raised file:px-2 file:py-1 file:text-fg"
						aria-invalid={errors.attachments ? true : undefined}
						aria-describedby={errors.attachments ? 'attachments-error' : undefined}
					/>
					{errors.attachments ? (
						<p id="attachments-error" className="mt-1 text-sm text-danger">
							{errors.attachments}
						</p>
					) : null}
				</div>
				<button type="submit" className="btn" disabled={sending || busy}>
					{sending ? 'Sending…' : busy ? 'Replying…' : 'Send'}
				</button>
			</div>
		</Form>
	)
}
