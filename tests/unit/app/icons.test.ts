import { readFileSync } from 'node:fs'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import * as Icons from '#app/components/icons/index.tsx'
import { iconNames, renderSprite, spriteFile } from '../../../scripts/build-icons.mjs'

describe('icon sprite', () => {
	test('holds exactly the icons the app names, as lucide draws them', async () => {
		// Out of date after adding an icon? `node scripts/build-icons.mjs` (npm run build does it too).
		expect(readFileSync(spriteFile, 'utf8')).toBe(await renderSprite())
		const ids = [...readFileSync(spriteFile, 'utf8').matchAll(/<symbol id="([^"]+)"/g)].map(m => m[1])
		expect(ids).toEqual([...iconNames()].sort())
		expect(ids).toContain('message-square')
	})

	test('an icon is a reference into the sprite, with lucide’s stroke and the size asked for', () => {
		const markup = renderToStaticMarkup(
			createElement(Icons.Pin, { size: 14, 'aria-hidden': 'true', className: 'text-fg' }),
		)
		expect(markup).toMatch(/^<svg width="14" height="14" fill="none" stroke="currentColor" stroke-width="2"/)
		expect(markup).toContain('class="icon text-fg"')
		expect(markup).toContain('aria-hidden="true"')
		expect(markup).toContain(`<use href="${Icons.spriteHref}#pin"></use>`)
	})

	test('an unknown lucide name is refused by name', async () => {
		await expect(renderSprite(['no-such-icon'])).rejects.toThrow('No lucide icon named "no-such-icon"')
	})
})
