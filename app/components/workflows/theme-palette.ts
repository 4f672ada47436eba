/**
 * The page theme's colours for a canvas (konva draws with colour strings, not CSS classes): read from the theme
 * variables (tailwind.config.ts sets them), again whenever the theme changes (the light/dark/system switch sets a
 * class or attribute on <html>; "system" follows the operating system's preference).
 */
import { useEffect, useState } from 'react'

export type Palette = {
	surface: string
	line: string
	fg: string
	fgSoft: string
	muted: string
	accent: string
	danger: string
}

/** Light-theme values, for the first render (the server draws no canvas) and if a variable is missing. */
const LIGHT: Palette = {
	surface: '#ffffff',
	line: '#d4d4d8',
	fg: '#18181b',
	fgSoft: '#3f3f46',
	muted: '#71717a',
	accent: '#4f46e5',
	danger: '#dc2626',
}

const VARIABLES: Record<keyof Palette, string> = {
	surface: '--surface',
	line: '--line-strong',
	fg: '--fg',
	fgSoft: '--fg-soft',
	muted: '--fg-muted',
	accent: '--accent',
	danger: '--danger',
}

function readPalette(): Palette {
	const style = getComputedStyle(document.documentElement)
	const palette = { ...LIGHT }
	for (const key of Object.keys(VARIABLES) as Array<keyof Palette>) {
		// A variable holds "r g b" (Tailwind's alpha modifier adds the rest).
		const channels = style.getPropertyValue(VARIABLES[key]).trim().split(/\s+/)
		if (channels.length === 3 && channels.every(c => /^\d+$/.test(c))) palette[key] = `rgb(${channels.join(',')})`
	}
	return palette
}

export function useThemePalette(): Palette {
	const [palette, setPalette] = useState(LIGHT)
	useEffect(() => {
		const update = () => setPalette(readPalette())
		update()
		const observer = new MutationObserver(update)
		observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'data-theme', 'style'] })
		const scheme = window.matchMedia('(prefers-color-scheme: dark)')
		scheme.addEventListener('change', update)
		return () => {
			observer.disconnect()
			scheme.removeEventListener('change', update)
		}
	}, [])
	return palette
}
