/**
 * `npm run screenshots`: every page at 1280 and 390 pixels wide, in the light and the dark theme, signed out
 * and in, with JavaScript and without, into ./screenshots (git-ignored), plus the phone menu opened. Runs the
 * built product on a throw-away data directory, with Debian's Chromium.
 *
 *   npm run screenshots                      everything
 *   npm run screenshots -- --js=off chat     only without JavaScript, only pages whose name contains "chat"
 *
 * Files are named `<visitor|user>-<page>-<width>-<theme>-<js|nojs>.png`.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium } from '@playwright/test'
import type { Browser } from '@playwright/test'
import { PUBLIC_PAGES, seed, signedInPages } from '#tests/e2e/pages.ts'
import type { PageCase } from '#tests/e2e/pages.ts'
import { chromiumLaunchOptions } from '#tests/support/chromium.ts'
import { startServer } from '#tests/support/server.ts'

const OUT = path.resolve('screenshots')
const WIDTHS = [1280, 390] as const
const THEMES = ['light', 'dark'] as const
const args = process.argv.slice(2)
const jsArg = args.find(a => a.startsWith('--js='))?.slice('--js='.length) ?? 'both'
if (!['on', 'off', 'both'].includes(jsArg)) throw new Error(`--js= takes on, off or both, not ${jsArg}`)
const SCRIPTS = [true, false].filter(on => jsArg === 'both' || (jsArg === 'on') === on)
const only = args.filter(a => !a.startsWith('--'))
const wanted = (name: string) => only.length === 0 || only.some(o => name.includes(o))

async function shoot(browser: Browser, baseURL: string, pages: readonly PageCase[], prefix: string, storage?: string) {
	for (const javaScriptEnabled of SCRIPTS) {
		const suffix = javaScriptEnabled ? 'js' : 'nojs'
		for (const theme of THEMES) {
			for (const width of WIDTHS) {
				const context = await browser.newContext({
					baseURL,
					viewport: { width, height: width > 800 ? 800 : 844 },
					colorScheme: theme,
					javaScriptEnabled,
					...(storage ? { storageState: storage } : {}),
				})
				const page = await context.newPage()
				for (const { name, path: url } of pages) {
					if (!wanted(name)) continue
					await page.goto(url, { waitUntil: 'networkidle' })
					const file = path.join(OUT, `${prefix}-${name}-${width}-${theme}-${suffix}.png`)
					// A chat is a full-height app view at every width: what the viewport shows is what matters.
					await page.screenshot({ path: file, fullPage: name !== 'chat-thread' })
					process.stdout.write(`${path.relative(process.cwd(), file)}\n`)
				}
				if (width < 800 && wanted('menu')) {
					await page.goto('/')
					await page.getByText('Menu', { exact: true }).click()
					const file = path.join(OUT, `${prefix}-menu-${width}-${theme}-${suffix}.png`)
					await page.screenshot({ path: file })
					process.stdout.write(`${path.relative(process.cwd(), file)}\n`)
				}
				await context.close()
			}
		}
	}
}

async function main() {
	mkdirSync(OUT, { recursive: true })
	const server = await startServer({ RATE_LIMITS: 'signup=50/3600' })
	const browser = await chromium.launch(chromiumLaunchOptions)
	try {
		await shoot(browser, server.url, PUBLIC_PAGES, 'visitor')
		const context = await browser.newContext({ baseURL: server.url })
		const seeded = await seed(context.request, server.url, 'ada@example.test')
		// Let the generations finish, so the pages show their results rather than their pending state.
		const page = await context.newPage()
		await page.goto(`/generations/${seeded.generationId}`)
		await page.waitForSelector('[data-generation-status="succeeded"]', { timeout: 30_000 })
		const storage = path.join(OUT, '.session.json')
		await context.storageState({ path: storage })
		await context.close()
		await shoot(browser, server.url, signedInPages(seeded), 'user', storage)
	} finally {
		await browser.close()
		await server.stop()
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
	process.exit(1)
})
