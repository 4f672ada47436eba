/**
 * Menus are `<details data-menu>` so they open without JavaScript. With it, they also close as menus do:
 * Escape closes the open menu and puts focus back on its button; a click or tap outside closes every open one.
 * Other `<details>` (disclosures that hold a form) close with Escape only while focus is inside them.
 */
import { useEffect } from 'react'

function openMenus(): HTMLDetailsElement[] {
	return [...document.querySelectorAll<HTMLDetailsElement>('details[data-menu][open]')]
}

export function useMenuDismissal() {
	useEffect(() => {
		function onKeyDown(event: KeyboardEvent) {
			if (event.key !== 'Escape' || event.defaultPrevented) return
			const focused = document.activeElement
			const holder = focused?.closest('details[open]')
			const targets = holder instanceof HTMLDetailsElement ? [holder] : openMenus()
			if (targets.length === 0) return
			for (const details of targets) details.open = false
			const summary = targets[0]?.querySelector('summary')
			if (summary instanceof HTMLElement) summary.focus()
			event.preventDefault()
		}
		function onPointerDown(event: PointerEvent) {
			const target = event.target
			for (const details of openMenus()) {
				if (!(target instanceof Node) || !details.contains(target)) details.open = false
			}
		}
		document.addEventListener('keydown', onKeyDown)
		document.addEventListener('pointerdown', onPointerDown)
		return () => {
			document.removeEventListener('keydown', onKeyDown)
			document.removeEventListener('pointerdown', onPointerDown)
		}
	}, [])
}
