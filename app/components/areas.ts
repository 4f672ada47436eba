/** The areas of the product, in navigation order. One list, used by the header and the landing page. */
export const AREAS = [
	{ to: '/chat', label: 'Chat', blurb: 'Streaming, branching conversations with any model.' },
	{ to: '/images', label: 'Images', blurb: 'Generate, edit with masks and upscale.' },
	{ to: '/video', label: 'Video', blurb: 'Text and image to video.' },
	{ to: '/audio', label: 'Audio', blurb: 'Speech, music and transcription with a waveform editor.' },
	{ to: '/workflows', label: 'Workflows', blurb: 'Chain generations into repeatable pipelines.' },
	{ to: '/library', label: 'Library', blurb: 'Everything you have generated, searchable.' },
	{ to: '/analytics', label: 'Analytics', blurb: 'Usage and cost per model and per day.' },
	{ to: '/settings', label: 'Settings', blurb: 'Profile, sign-in methods, sessions and API tokens.' },
] as const
