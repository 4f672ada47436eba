/**
 * The shell's interactions as a person meets them, with JavaScript and without, on a wide screen and a phone:
 * in-place pin and rename, the composer's keys and hint, skip links, visible focus, refusals shown beside their
 * forms, and errors that keep the shell around them.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { chatHydrated, signUpFresh, watchProblems } from '../support/browser.ts'

/** Starts a chat through the new-chat form's endpoint (the reply is written before the redirect). */
async function startChat(page: Page, baseURL: string, content: string): Promise<string> {
	const response = await page.request.post('/chat?index', {
		form: { intent: 'new', mode: 'wait', content },
		headers: { Origin: baseURL },
		maxRedirects: 0,
	})
	const id = /\/chat\/([0-9a-f-]{36})/.exec(response.headers().location ?? '')?.[1]
	if (response.status() !== 303 || !id) throw new Error(`could not start a chat: ${response.status()}`)
	return id
}

const chats = (page: Page) => page.getByRole('navigation', { name: 'Chats' })
const row = (page: Page, id: string) => chats(page).locator(`[data-conversation-id="${id}"]`)

test('with JavaScript, pin and rename happen in place: shown at once, no navigation, focus kept @js-only', async ({
	page,
	baseURL,
}) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	const puffins = await startChat(page, baseURL ?? '', 'Where do puffins nest?')
	await startChat(page, baseURL ?? '', 'Best sourdough hydration')
	await page.goto(`/chat/${puffins}`)
	await chatHydrated(page)
	// Anything that navigates (a document load, or a redirect the router follows) would change one of these.
	await page.evaluate(() => Object.assign(window, { __samePage: true }))
	const historyLength = await page.evaluate(() => history.length)
	const requests: string[] = []
	page.on('request', request => requests.push(`${request.method()} ${new URL(request.url()).pathname}`))

	// Hold the server's answer: what the page shows meanwhile is the optimistic view.
	let release = () => {}
	const held = new Promise<void>(resolve => (release = resolve))
	await page.route('**/chat.data*', async route => {
		if (route.request().method() === 'POST') await held
		await route.continue()
	})

	// The puffins chat is the older one: second in the list, until it is pinned.
	await expect(chats(page).locator('[data-conversation-id]').first()).not.toHaveAttribute(
		'data-conversation-id',
		puffins,
	)
	await row(page, puffins)
		.getByLabel(/^Options for/)
		.click()
	await row(page, puffins).getByRole('button', { name: 'Pin', exact: true }).click()
	await expect(chats(page).locator('[data-conversation-id]').first()).toHaveAttribute('data-conversation-id', puffins)
	await expect(row(page, puffins).getByLabel('Pinned')).toBeVisible()
	// The header of the open chat agrees, before the server has answered.
	await expect(page.getByRole('button', { name: 'Pin this chat' })).toHaveAttribute('aria-pressed', 'true')
	// The menu closed and the focus is back on its button, though the row moved to "Pinned".
	await expect(row(page, puffins).locator('details')).not.toHaveAttribute('open', '')
	await expect(row(page, puffins).getByLabel(/^Options for/)).toBeFocused()

	// Rename: the list and the page's heading change at once.
	await page.keyboard.press('Enter')
	const title = row(page, puffins).getByRole('textbox', { name: 'Title' })
	await title.fill('Puffin homes')
	await title.press('Enter')
	await expect(row(page, puffins).getByRole('link')).toContainText('Puffin homes')
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Puffin homes')
	await expect(row(page, puffins).getByLabel('Options for Puffin homes')).toBeFocused()

	release()
	await expect.poll(() => requests.filter(r => r === 'POST /chat.data').length).toBe(2)
	// The data behind the page is refreshed (single fetch's `.data` requests); the page itself never reloads.
	await expect.poll(() => requests.filter(r => r === `GET /chat/${puffins}.data`).length).toBeGreaterThan(0)
	// Still where it was: no new history entry, no page load, and the focus where it was left.
	expect(await page.evaluate(() => history.length)).toBe(historyLength)
	expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true)
	await expect(page).toHaveURL(new RegExp(`/chat/${puffins}$`))
	await expect(row(page, puffins).getByLabel('Options for Puffin homes')).toBeFocused()
	expect(requests).not.toContain(`GET /chat/${puffins}`)

	// The server has both changes: a fresh page shows them.
	await page.unroute('**/chat.data*')
	await page.reload()
	await expect(chats(page).locator('[data-conversation-id]').first()).toContainText('Puffin homes')
	await expect(row(page, puffins).getByLabel('Pinned')).toBeVisible()
	// The header's toggle unpins, in place too.
	await page.getByRole('button', { name: 'Pin this chat' }).click()
	await expect(page.getByRole('button', { name: 'Pin this chat' })).toHaveAttribute('aria-pressed', 'false')
	await expect(page.getByRole('button', { name: 'Pin this chat' })).toBeFocused()
	await expect(row(page, puffins).getByLabel('Pinned')).toHaveCount(0)
	expect(problems).toEqual([])
})

test("the header's pin works as a plain form too, and says whether the chat is pinned", async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	const id = await startChat(page, baseURL ?? '', 'A chat to pin from its header')
	await page.goto(`/chat/${id}`)
	const toggle = page.getByRole('button', { name: 'Pin this chat' })
	await expect(toggle).toHaveAttribute('aria-pressed', 'false')
	await toggle.click()
	await expect(toggle).toHaveAttribute('aria-pressed', 'true')
	await expect(row(page, id).getByLabel('Pinned')).toBeVisible()
	await expect(page).toHaveURL(new RegExp(`/chat/${id}$`))
	// Kept by the server.
	await page.reload()
	await expect(page.getByRole('button', { name: 'Pin this chat' })).toHaveAttribute('aria-pressed', 'true')
})

test('a refused rename says why, beside the chat list, and the list is still there', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	const id = await startChat(page, baseURL ?? '', 'A chat with a title')
	await page.goto('/chat')
	await row(page, id)
		.getByLabel(/^Options for/)
		.click()
	// Spaces pass the browser's own check; the server's schema refuses them.
	await row(page, id).getByRole('textbox', { name: 'Title' }).fill('   ')
	await row(page, id).getByRole('button', { name: 'Rename' }).click()
	await expect(page.getByRole('alert')).toHaveText('Give the chat a title.')
	await expect(row(page, id).getByRole('link')).toContainText('A chat with a title')
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' })).toBeVisible()
})

test('an error inside a chat keeps the shell and the chat list around it', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	const id = await startChat(page, baseURL ?? '', 'A chat that exists')
	const response = await page.goto('/chat/00000000-0000-4000-8000-000000000000')
	expect(response?.status()).toBe(404)
	await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
	await expect(page.getByText('That chat does not exist, or it is not yours.')).toBeVisible()
	// The shell's navigation and the list of chats are still there, and lead on.
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Images' })).toBeVisible()
	await row(page, id).getByRole('link').click()
	await expect(page.locator('[data-role="user"]')).toContainText('A chat that exists')
})

test("the generation page shows its action's refusal beside the buttons", async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill('A lighthouse for the refusal test')
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await expect(page.locator('[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded', {
		timeout: 20_000,
	})
	// What a stale or crafted form would send.
	await page
		.getByRole('button', { name: 'Run again' })
		.evaluate(button => ((button as HTMLButtonElement).value = 'explode'))
	await page.getByRole('button', { name: 'Run again' }).click()
	await expect(page.getByRole('alert')).toHaveText('Unknown action.')
	await expect(page.locator('[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded')
})

test('importing a file of the wrong shape says what was expected, in words', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.getByText('Import a conversation').click()
	const file = page.getByLabel('A JSON file made with “Export JSON”')
	await file.setInputFiles({
		name: 'notes.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify({ hello: 'world' })),
	})
	await page.getByRole('button', { name: 'Import' }).click()
	const summary = page.locator('[data-error-summary]')
	await expect(summary).toBeFocused()
	await expect(summary).toContainText('Export JSON')
	// Words a person can act on, not a validator's report.
	await expect(summary).not.toContainText(/Invalid (type|key)|but received/)
	await expect(page.getByLabel('A JSON file made with “Export JSON”')).toHaveAttribute('aria-invalid', 'true')
})

test('the composer: "Skip to the message box", and its hint says how to send', async ({ page, baseURL }, info) => {
	await signUpFresh(page, baseURL ?? '')
	const id = await startChat(page, baseURL ?? '', 'First message')
	await page.goto(`/chat/${id}`)
	// First the skip links: "Skip to content", then "Skip to the message box".
	await page.keyboard.press('Tab')
	await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused()
	await page.keyboard.press('Tab')
	const skip = page.getByRole('link', { name: 'Skip to the message box' })
	await expect(skip).toBeFocused()
	await expect(skip).toBeVisible()
	await page.keyboard.press('Enter')
	const box = page.getByRole('textbox', { name: 'Message' })
	await expect(box).toBeFocused()

	const hint = page.locator('#composer-content-description')
	await box.fill('Second message')
	if (info.project.name === 'js') {
		// Once the page's script has run (it may take a while on a busy machine).
		await page.waitForFunction(() => '__remixRouter' in window)
		await expect(hint).toHaveText('Enter sends; Shift+Enter starts a new line.', { timeout: 15_000 })
		await box.press('Shift+Enter')
		await box.pressSequentially('on two lines')
		await expect(box).toHaveValue('Second message\non two lines')
		await box.press('Enter')
		await expect(page.locator('[data-role="user"]').nth(1)).toContainText('on two lines')
	} else {
		await expect(hint).toHaveText('Press Send to send; Enter starts a new line.')
		await box.press('Enter')
		await expect(box).toHaveValue('Second message\n')
		await page.getByRole('button', { name: 'Send' }).click()
		await expect(page.locator('[data-role="user"]').nth(1)).toContainText('Second message')
	}
})

test('keyboard focus is always visible on the chat page', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	const id = await startChat(page, baseURL ?? '', 'Tab through me')
	await page.goto(`/chat/${id}`)
	const seen = new Set<string>()
	for (let i = 0; i < 40; i++) {
		await page.keyboard.press('Tab')
		const focus = await page.evaluate(() => {
			const active = document.activeElement
			if (!(active instanceof HTMLElement) || active === document.body) return null
			// A control drawn by its label (the attach button's hidden file input) shows its ring on the label.
			const shown = active.getBoundingClientRect().width <= 1 ? (active.closest('label') ?? active) : active
			const style = getComputedStyle(shown)
			return {
				name: `${active.tagName.toLowerCase()} ${active.getAttribute('aria-label') ?? active.textContent?.trim().slice(0, 30) ?? ''}`,
				ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
			}
		})
		if (!focus) continue
		seen.add(focus.name)
		expect(focus.ring, `focus ring on ${focus.name}`).toBe(true)
	}
	// The walk went through the shell, the list, the header, the messages and the composer.
	expect(seen.size).toBeGreaterThan(15)
})

test.describe('on a phone', () => {
	test.use({ viewport: { width: 390, height: 844 } })

	test('an open chat takes the screen, with the composer in view and the list one tap away', async ({
		page,
		baseURL,
	}) => {
		await signUpFresh(page, baseURL ?? '')
		const id = await startChat(page, baseURL ?? '', 'A chat on a phone')
		await page.goto(`/chat/${id}#latest`)
		await expect(page.getByRole('navigation', { name: 'Chats' })).toBeHidden()
		const box = page.getByRole('textbox', { name: 'Message' })
		await expect(box).toBeInViewport()
		await expect(page.getByRole('heading', { level: 1 })).toBeInViewport()
		// Nothing is wider than the screen.
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
		await page.getByRole('link', { name: 'All chats' }).click()
		await expect(page).toHaveURL(/\/chat$/)
		await expect(row(page, id)).toBeVisible()
	})

	test('pages fit the screen: no sideways scrolling', async ({ page, baseURL }) => {
		await signUpFresh(page, baseURL ?? '')
		for (const path of ['/', '/chat', '/images', '/video', '/audio', '/library', '/settings', '/settings/tokens']) {
			await page.goto(path)
			const width = await page.evaluate(() => document.documentElement.scrollWidth)
			expect(width, `${path} is ${width} px wide`).toBeLessThanOrEqual(390)
		}
	})
})
