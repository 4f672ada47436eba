/**
 * The composer's attach control: a paperclip button (a label, so it opens the file picker without JavaScript)
 * over a file input wired like every field (forms.tsx). With JavaScript the chosen files show as chips by the
 * button; without it the browser's own input shows them (the `scripting: none` media query), since nothing else
 * could.
 */
import { FileText, Paperclip } from '#app/components/icons/index.tsx'
import { useState } from 'react'
import { ErrorText, useField } from '../forms.tsx'

type Props = { name: string; label: string; description: string; accept: string; multiple?: boolean }

export function AttachField({ name, label, description, accept, multiple }: Props) {
	const f = useField(name, true)
	const [files, setFiles] = useState<string[]>([])
	return (
		<div className="flex min-w-0 flex-1 flex-wrap items-center gap-1.5">
			<label
				htmlFor={f.id}
				title={`${label}: ${description}`}
				className="icon-btn h-9 w-9 shrink-0 cursor-pointer focus-within:outline focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-accent [@media(scripting:none)]:w-auto"
			>
				<Paperclip aria-hidden="true" size={18} />
				<span className="sr-only">{label}</span>
				<input
					{...f.control}
					type="file"
					accept={accept}
					multiple={multiple}
					onChange={event => setFiles([...(event.currentTarget.files ?? [])].map(file => file.name))}
					className="sr-only [@media(scripting:none)]:not-sr-only [@media(scripting:none)]:max-w-[13rem] [@media(scripting:none)]:text-xs [@media(scripting:none)]:file:mr-2 [@media(scripting:none)]:file:rounded-md [@media(scripting:none)]:file:border-0 [@media(scripting:none)]:file:bg-raised [@media(scripting:none)]:file:px-2 [@media(scripting:none)]:file:py-1 [@media(scripting:none)]:file:text-xs [@media(scripting:none)]:file:text-fg"
				/>
			</label>
			<p id={f.descriptionId} className="sr-only">
				{description}
			</p>
			{files.length > 0 ? (
				<ul aria-label="Files to send" className="flex min-w-0 flex-wrap gap-1" data-chosen-files="">
					{files.map((file, i) => (
						<li
							key={`${i}-${file}`}
							className="inline-flex max-w-[12rem] items-center gap-1 rounded-md border border-line bg-raised px-2 py-0.5 text-xs text-fg-soft"
						>
							<FileText aria-hidden="true" size={12} className="shrink-0" />
							<span className="truncate">{file}</span>
						</li>
					))}
				</ul>
			) : null}
			{f.invalid ? (
				<div className="basis-full">
					<ErrorText id={f.errorId} messages={f.messages} />
				</div>
			) : null}
		</div>
	)
}
