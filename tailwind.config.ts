import type { Config } from 'tailwindcss'
import plugin from 'tailwindcss/plugin'

/** A colour read from a theme variable, keeping Tailwind's `/opacity` modifiers. */
const token = (name: string) => `rgb(var(--${name}) / <alpha-value>)`

/*
 * Themes. Light is the default; dark follows `prefers-color-scheme` unless the person chose a theme, which the
 * server writes on <html data-theme> from a cookie (so there is no flash and no script). The values are
 * space-separated RGB channels so Tailwind's opacity modifiers work.
 */
const light = {
	canvas: '250 250 250',
	surface: '255 255 255',
	raised: '244 244 245',
	line: '228 228 231',
	'line-strong': '212 212 216',
	fg: '24 24 27',
	'fg-soft': '63 63 70',
	'fg-muted': '82 82 91',
	link: '67 56 202',
	accent: '79 70 229',
	'accent-hover': '67 56 202',
	'accent-fg': '255 255 255',
	'accent-soft': '238 242 255',
	danger: '185 28 28',
	'danger-soft': '254 242 242',
	'danger-line': '252 165 165',
	'danger-solid': '220 38 38',
	success: '21 128 61',
	'success-soft': '240 253 244',
	'success-line': '134 239 172',
	warning: '161 98 7',
	'warning-soft': '254 252 232',
	'warning-line': '253 224 71',
}
/* Dark is designed on its own: raised surfaces get lighter, borders quieter, the accent brighter. */
const dark: typeof light = {
	canvas: '9 9 11',
	surface: '24 24 27',
	raised: '39 39 42',
	line: '39 39 42',
	'line-strong': '63 63 70',
	fg: '244 244 245',
	'fg-soft': '212 212 216',
	'fg-muted': '161 161 170',
	link: '165 180 252',
	accent: '129 140 248',
	'accent-hover': '165 180 252',
	'accent-fg': '9 9 11',
	'accent-soft': '30 27 75',
	danger: '252 165 165',
	'danger-soft': '69 10 10',
	'danger-line': '153 27 27',
	'danger-solid': '248 113 113',
	success: '134 239 172',
	'success-soft': '5 46 22',
	'success-line': '22 101 52',
	warning: '253 224 71',
	'warning-soft': '66 32 6',
	'warning-line': '133 77 14',
}

/** A palette as the CSS declarations of its variables, with the `color-scheme` it is drawn for. */
const variables = (scheme: 'light' | 'dark', palette: typeof light) => ({
	colorScheme: scheme,
	...Object.fromEntries(Object.entries(palette).map(([name, rgb]) => [`--${name}`, rgb])),
})

/** Sets the theme variables: the chosen theme wins, the system's preference decides otherwise. */
const themes = plugin(({ addBase }) => {
	addBase({
		':root': variables('light', light),
		":root[data-theme='dark']": variables('dark', dark),
		'@media (prefers-color-scheme: dark)': { ":root:not([data-theme='light'])": variables('dark', dark) },
	})
})

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
	plugins: [themes],
} satisfies Config
