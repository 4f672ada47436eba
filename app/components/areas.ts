/**
 * The areas of the product, in navigation order: one list, used by the app shell and the landing page. An area
 * whose page is not built yet says so (`ready: false`): the landing page offers only what exists.
 */
import {
	AudioLines,
	ChartColumn,
	Clapperboard,
	ImageIcon,
	Library,
	MessageSquare,
	Settings,
	Workflow,
} from '#app/components/icons/index.tsx'

export const AREAS = [
	{
		to: '/chat',
		label: 'Chat',
		icon: MessageSquare,
		ready: true,
		blurb: 'Streaming, branching conversations with any model; export and import.',
	},
	{
		to: '/images',
		label: 'Images',
		icon: ImageIcon,
		ready: true,
		blurb: 'Images from a prompt, in several sizes, up to four at a time.',
	},
	{ to: '/video', label: 'Video', icon: Clapperboard, ready: true, blurb: 'Short clips from a text prompt.' },
	{
		to: '/audio',
		label: 'Audio',
		icon: AudioLines,
		ready: true,
		blurb: 'Speech from text, and music from a description.',
	},
	{
		to: '/workflows',
		label: 'Workflows',
		icon: Workflow,
		ready: true,
		blurb: 'Chain generations into repeatable pipelines.',
	},
	{
		to: '/library',
		label: 'Library',
		icon: Library,
		ready: true,
		blurb: 'Everything you have generated, newest first, by kind.',
	},
] as const

/** At the foot of the rail. */
export const ACCOUNT_AREAS = [
	{
		to: '/analytics',
		label: 'Analytics',
		icon: ChartColumn,
		ready: true,
		blurb: 'This month’s cost by model and by day, against your budget.',
	},
	{
		to: '/settings',
		label: 'Settings',
		icon: Settings,
		ready: true,
		blurb: 'Profile, sign-in methods, sessions and API tokens.',
	},
] as const

export type Area = (typeof AREAS)[number] | (typeof ACCOUNT_AREAS)[number]
