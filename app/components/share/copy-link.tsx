import { useEffect, useState } from 'react'
import { Copy } from '#app/components/icons/index.tsx'

/** A link in a read-only field (select it to copy, without JavaScript) and, with JavaScript, a Copy button. */
export function CopyLink({ url, label }: { url: string; label: string }) {
	const [canCopy, setCanCopy] = useState(false)
	const [copied, setCopied] = useState(false)
	useEffect(() => setCanCopy(typeof navigator !== 'undefined' && Boolean(navigator.clipboard)), [])
	return (
		<div className="flex min-w-0 items-center gap-2">
			<input
				readOnly
				value={url}
				aria-label={label}
				className="field min-w-0 flex-1 font-mono text-xs"
				onFocus={event => event.currentTarget.select()}
				data-share-url=""
			/>
			{canCopy ? (
				<button
					type="button"
					className="btn-secondary shrink-0 px-3"
					onClick={() => {
						void navigator.clipboard.writeText(url).then(() => setCopied(true))
					}}
				>
					<Copy aria-hidden="true" size={16} />
					<span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
				</button>
			) : null}
		</div>
	)
}
