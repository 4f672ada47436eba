/**
 * The one-shot message of the page (server/flash.ts): "Chat deleted" with an Undo button, "Token created" with
 * the token to copy. The region is always in the page, so a screen reader announces a message that appears after
 * a client-side navigation; without JavaScript the message arrives with the page. Undo is a plain form.
 */
import { Form } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { UNDO_SECONDS } from '#server/domain/undo/schema.ts'
import type { FlashMessage } from '#server/flash.ts'

export function FlashRegion({ flash }: { flash: FlashMessage | null | undefined }) {
	const [dismissed, setDismissed] = useState<FlashMessage | null>(null)
	const [hydrated, setHydrated] = useState(false)
	useEffect(() => setHydrated(true), [])
	const shown = flash && flash !== dismissed ? flash : null
	return (
		<div role="status" aria-live="polite" aria-atomic="true" data-flash-region="" className="empty:hidden">
			{shown ? (
				<div
					data-flash={shown.kind}
					className={`mb-4 flex flex-wrap items-center gap-x-4 gap-y-2 ${
						shown.kind === 'error' ? 'callout-danger' : 'callout-success'
					}`}
				>
					<p className="flex-1 font-medium">{shown.message}</p>
					{shown.undo ? <UndoForm undo={shown.undo} /> : null}
					{hydrated && !shown.secret ? (
						<button
							type="button"
							className="icon-btn"
							aria-label="Dismiss this message"
							onClick={() => setDismissed(shown)}
						>
							<span aria-hidden="true">×</span>
						</button>
					) : null}
					{shown.secret ? <Secret label={shown.secret.label} value={shown.secret.value} /> : null}
				</div>
			) : null}
		</div>
	)
}

function UndoForm({ undo }: { undo: NonNullable<FlashMessage['undo']> }) {
	return (
		// A document POST: undoing may sign this browser back in, and the page it lands on is rebuilt whole.
		<Form method="post" action={undo.action} reloadDocument className="flex items-center gap-2" data-undo-form="">
			{Object.entries(undo.fields).map(([name, value]) => (
				<input key={name} type="hidden" name={name} value={value} />
			))}
			<button type="submit" className="btn-secondary py-1">
				Undo
			</button>
			<span className="text-xs opacity-80">within {UNDO_SECONDS} seconds</span>
		</Form>
	)
}

function Secret({ label, value }: { label: string; value: string }) {
	return (
		<div className="w-full space-y-1">
			<label htmlFor="flash-secret" className="block text-sm">
				{label}
			</label>
			<input
				id="flash-secret"
				readOnly
				value={value}
				className="field font-mono text-xs"
				onFocus={event => event.currentTarget.select()}
			/>
		</div>
	)
}
