/** The colour of each port type, the same in the form editor, the canvas and the run page. */
import type { PortType } from '#server/domain/workflows/schema.ts'

export const PORT_COLOURS: Record<PortType, { dot: string; chip: string; hex: string }> = {
	text: { dot: 'bg-sky-500', chip: 'bg-sky-500/15 text-sky-700 dark:text-sky-300', hex: '#0ea5e9' },
	image: { dot: 'bg-violet-500', chip: 'bg-violet-500/15 text-violet-700 dark:text-violet-300', hex: '#8b5cf6' },
	audio: { dot: 'bg-amber-500', chip: 'bg-amber-500/15 text-amber-700 dark:text-amber-300', hex: '#f59e0b' },
	video: { dot: 'bg-rose-500', chip: 'bg-rose-500/15 text-rose-700 dark:text-rose-300', hex: '#f43f5e' },
}
