import type { Config } from 'tailwindcss'

/** A colour read from a theme variable (app/tailwind.css), keeping Tailwind's `/opacity` modifiers. */
const token = (name: string) => `rgb(var(--${name}) / <alpha-value>)`

export default {
	content: ['./app/**/*.{ts,tsx}'],
	theme: {
		extend: {
			// Semantic colours: each theme (light, dark) sets the variables, so a page names what a colour is for.
			colors: {
				canvas: token('canvas'),
				surface: token('surface'),
				raised: token('raised'),
				line: { DEFAULT: token('line'), strong: token('line-strong') },
				fg: { DEFAULT: token('fg'), soft: token('fg-soft'), muted: token('fg-muted') },
				link: token('link'),
				accent: {
					DEFAULT: token('accent'),
					hover: token('accent-hover'),
					fg: token('accent-fg'),
					soft: token('accent-soft'),
				},
				danger: {
					DEFAULT: token('danger'),
					soft: token('danger-soft'),
					line: token('danger-line'),
					solid: token('danger-solid'),
				},
				success: { DEFAULT: token('success'), soft: token('success-soft'), line: token('success-line') },
				warning: { DEFAULT: token('warning'), soft: token('warning-soft'), line: token('warning-line') },
			},
			fontSize: { base: ['0.9375rem', '1.6'] },
		},
	},
	plugins: [],
} satisfies Config
