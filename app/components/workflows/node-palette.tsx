/**
 * "Add a node": one form whose buttons each add a node of their kind, coloured by what the node gives. A column
 * beside the form editor; a strip of chips above the graph when the canvas is on, so the graph gets the width.
 */
import { Form } from '@remix-run/react'
import { Plus } from '#app/components/icons/index.tsx'
import { NODE_KINDS, NODE_SPECS } from '#server/domain/workflows/schema.ts'
import { PORT_COLOURS } from './ports.ts'

export function NodePalette({ layout }: { layout: 'column' | 'strip' }) {
	const strip = layout === 'strip'
	return (
		<section
			aria-labelledby="palette"
			className={
				strip
					? // One row that scrolls sideways on a phone; wrapped rows on a wider screen.
						'-mx-1 flex items-center gap-1.5 overflow-x-auto px-1 pb-1 sm:flex-wrap sm:overflow-visible'
					: 'space-y-2'
			}
		>
			<h2
				id="palette"
				className={strip ? 'mr-1 shrink-0 text-sm font-medium text-fg-muted' : 'text-sm font-medium text-fg'}
			>
				Add a node
			</h2>
			<Form method="post" className={strip ? 'contents' : 'grid grid-cols-2 gap-1 lg:grid-cols-1'}>
				<input type="hidden" name="intent" value="add" />
				{NODE_KINDS.map(kind => {
					const out = NODE_SPECS[kind].outputs[0]
					return (
						<button
							key={kind}
							type="submit"
							name="kind"
							value={kind}
							className={
								strip
									? 'flex min-h-10 shrink-0 items-center gap-1.5 rounded-full border border-line bg-surface px-3 text-sm text-fg hover:border-line-strong hover:bg-raised'
									: 'flex items-center gap-2 rounded-lg border border-line bg-surface px-2.5 py-1.5 text-left text-sm text-fg hover:border-line-strong hover:bg-raised'
							}
						>
							<span
								aria-hidden="true"
								className={`size-2.5 shrink-0 rounded-full ${out ? PORT_COLOURS[out.type].dot : 'bg-fg-muted'}`}
							/>
							<span className={strip ? 'whitespace-nowrap' : 'min-w-0 flex-1 truncate'}>{NODE_SPECS[kind].label}</span>
							{strip ? null : <Plus aria-hidden="true" className="size-3.5 text-fg-muted" />}
						</button>
					)
				})}
			</Form>
		</section>
	)
}
