/**
 * axe-core on every page, signed out and in, in the light and the dark theme (and, through the two projects,
 * with JavaScript on and off): no serious or critical violation of WCAG 2.1 A/AA.
 */
import { randomUUID } from 'node:crypto'
import { AxeBuilder } from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import type { Browser, Page } from '@playwright/test'
import { PUBLIC_PAGES, seed, signedInPages } from './pages.ts'
import type { PageCase } from './pages.ts'

const THEMES = ['light', 'dark'] as const

async function violations(page: Page, pages: readonly PageCase[]) {
	const found: string[] = []
	for (const theme of THEMES) {
		await page.emulateMedia({ colorScheme: theme })
		for (const { name, path } of pages) {
			await page.goto(path)
			// No preloading of media: axe would wait for each <audio>/<video> to load before checking.
			const result = await new AxeBuilder({ page })
				.options({ preload: false })
				.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
				.analyze()
			for (const v of result.violations) {
				if (v.impact !== 'serious' && v.impact !== 'critical') continue
				const where = v.nodes
					.slice(0, 3)
					.map(n => n.target.join(' '))
					.join(' | ')
				found.push(`${name} (${theme}): ${v.id} — ${v.help} — ${where}`)
			}
		}
	}
	return found
}

/**
 * axe runs as a script in the page, which a context without JavaScript refuses. For the `nojs` project the
 * pages are therefore checked as a browser without JavaScript gets them: the server's HTML with every script
 * removed and the `<noscript>` parts shown (their self-refresh aside), in a context where axe itself may run.
 */
async function pageFor(project: string, browser: Browser, baseURL: string, page: Page): Promise<Page> {
	if (project !== 'nojs') return page
	// The project's options (JavaScript off) would apply to a new context too: turn it back on for axe.
	const context = await browser.newContext({ baseURL, javaScriptEnabled: true })
	await context.route('**/*', async route => {
		const type = route.request().resourceType()
		if (type === 'script') return route.abort()
		if (type !== 'document') return route.continue()
		const response = await route.fetch()
		const body = (await response.text())
			.replace(/<script\b[\s\S]*?<\/script>/g, '')
			.replace(/<meta http-equiv="refresh"[^>]*>/g, '')
			.replace(/<\/?noscript>/g, '')
		return route.fulfill({ response, body })
	})
	return context.newPage()
}

test('no serious or critical accessibility violation on the pages visitors see', async ({
	page,
	browser,
	baseURL,
}, info) => {
	test.setTimeout(120_000)
	const checked = await pageFor(info.project.name, browser, baseURL ?? '', page)
	expect(await violations(checked, PUBLIC_PAGES)).toEqual([])
})

test('no serious or critical accessibility violation on the pages of a signed-in person', async ({
	page,
	browser,
	baseURL,
}, info) => {
	test.setTimeout(240_000)
	const checked = await pageFor(info.project.name, browser, baseURL ?? '', page)
	const seeded = await seed(checked.request, baseURL ?? '', `a11y-${randomUUID().slice(0, 8)}@example.test`)
	expect(await violations(checked, signedInPages(seeded))).toEqual([])
})
