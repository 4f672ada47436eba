import { expect, test } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'
import { chatHydrated, signUpFresh, watchProblems } from '../support/browser.ts'

const assistant = (page: Page) => page.locator('[data-role="assistant"]')
const user = (page: Page) => page.locator('[data-role="user"]')

/** Every reply on screen has finished (with JavaScript they stream in first). */
async function repliesDone(page: Page, count: number) {
	await expect(assistant(page)).toHaveCount(count, { timeout: 15_000 })
	await expect(page.locator('[data-role="assistant"][data-status="streaming"]')).toHaveCount(0, { timeout: 15_000 })
}

/** Imports a conversation export, the way a person would: the import form on /chat. */
/** Imports a conversation of one question and its reply through the chat list's import form, and opens it. */
/**
 * Clicks a pin or rename button and waits for the server to answer the post: with JavaScript the list shows the
 * change before it is saved, and leaving the page at once would cancel the request.
 */
async function saved(page: Page, button: Locator) {
	const answered = page.waitForResponse(
		r => r.request().method() === 'POST' && /^\/chat(\.data)?$/.test(new URL(r.url()).pathname),
	)
	await button.click()
	await answered
}

async function importConversation(page: Page, title: string, question: string, reply: string) {
	const messages = [
		{ id: 'q', role: 'user', content: question },
		{ id: 'r', parentId: 'q', role: 'assistant', content: reply },
	]
	const file = {
		format: 'generation-studio-conversation',
		version: 1,
		conversation: { title, model: 'offline:chat' },
		messages,
	}
	await page.goto('/chat')
	await page.getByText('Import a conversation').click()
	await page.getByLabel('A JSON file made with “Export JSON”').setInputFiles({
		name: 'export.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify(file)),
	})
	await page.getByRole('button', { name: 'Import' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
}

test('start a chat, send, edit the first message, switch back with ‹ 1 / 2, regenerate', async ({
	page,
	baseURL,
}, info) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill('First question')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}(#m-[0-9a-f-]{36})?$/)
	await repliesDone(page, 1)
	await expect(user(page)).toHaveText(/First question/)
	await expect(assistant(page)).toContainText('You said: “First question”')

	await page.locator('textarea[name="content"]').fill('Second question')
	await page.getByRole('button', { name: 'Send' }).click()
	await repliesDone(page, 2)
	await expect(assistant(page).nth(1)).toContainText('You said: “Second question”')
	await expect(page.locator('textarea[name="content"]')).toHaveValue('')

	// Edit the first message: a new branch with only the edited exchange on it.
	const first = user(page).first()
	// The edit form stays closed until asked for (a link, so also in browsers without <details>).
	await expect(first.getByRole('textbox')).toHaveCount(0)
	await first.getByRole('link', { name: 'Edit' }).click()
	// With JavaScript the cursor is put there; without it the browser does not autofocus on a page opened at an anchor.
	if (info.project.name === 'js') await expect(first.getByRole('textbox')).toBeFocused()
	await first.getByRole('textbox').fill('Edited question')
	await first.getByRole('button', { name: 'Save and send' }).click()
	await repliesDone(page, 1)
	await expect(user(page)).toHaveCount(1)
	await expect(user(page).first()).toContainText('Edited question')
	await expect(user(page).first().locator('[data-versions]')).toContainText('2 / 2')
	await expect(assistant(page)).toContainText('You said: “Edited question”')

	// "‹ 1 / 2": back to the first branch, the whole of it.
	await user(page).first().getByRole('link', { name: 'Previous version' }).click()
	await repliesDone(page, 2)
	await expect(user(page).first()).toContainText('First question')
	await expect(user(page).first().locator('[data-versions]')).toContainText('1 / 2')
	await expect(user(page).nth(1)).toContainText('Second question')
	// Remembered: a plain visit opens the branch chosen last.
	await page.goto(page.url().replace(/\?.*$/, ''))
	await expect(user(page).first()).toContainText('First question')

	// Regenerate the last reply: a second version of it.
	await assistant(page).last().getByRole('button', { name: 'Regenerate' }).click()
	await repliesDone(page, 2)
	await expect(assistant(page).last().locator('[data-versions]')).toContainText('2 / 2')
	await expect(assistant(page).last()).toContainText('You said: “Second question”')
	expect(problems).toEqual([])
})

// Streaming needs JavaScript (without it the reply arrives whole: the test above), so only the `js` project runs
// this one: the `nojs` project leaves out tests tagged @js-only (playwright.config.ts).
test('with JavaScript the reply streams in several chunks, and Stop keeps the partial text @js-only', async ({
	page,
	baseURL,
}) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/)
	await chatHydrated(page)
	// Count every change of the streaming reply's text.
	await page.evaluate(() => {
		const lengths: number[] = []
		;(window as unknown as { __lengths: number[] }).__lengths = lengths
		new MutationObserver(() => {
			const live = document.querySelector('[data-live-reply]')
			if (live) lengths.push(live.textContent?.length ?? 0)
		}).observe(document.body, { subtree: true, childList: true, characterData: true })
	})
	// The offline model quotes the message back: many short words make a reply of many chunks.
	const words = 'a b c d e f g h i j k l m n o p q r s t u v w x y z '.repeat(3).trim()
	await page.locator('textarea[name="content"]').fill(words)
	await page.getByRole('button', { name: 'Send' }).click()
	await repliesDone(page, 1)
	const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths)
	expect(new Set(lengths.filter(n => n > 0)).size, `text lengths seen: ${lengths.join(',')}`).toBeGreaterThanOrEqual(3)
	const whole = (await assistant(page).first().locator('.markdown').textContent()) ?? ''
	expect(whole).toContain('no model read your message')

	// Now stop one part-way.
	await page.locator('textarea[name="content"]').fill(words)
	await page.getByRole('button', { name: 'Send' }).click()
	const live = page.locator('[data-live-reply]')
	await expect(live).toContainText('You said', { timeout: 10_000 })
	await page.getByRole('button', { name: 'Stop' }).click()
	const stopped = assistant(page).nth(1)
	await expect(stopped).toHaveAttribute('data-status', 'stopped', { timeout: 10_000 })
	await expect(stopped).toContainText('Stopped before the end.')
	const partial = ((await stopped.locator('.markdown').textContent()) ?? '').trim()
	expect(partial.length).toBeGreaterThan(10)
	expect(partial.length).toBeLessThan(whole.trim().length)
	expect(whole.startsWith(partial.slice(0, -2))).toBe(true)
	// The partial reply survives a reload.
	await page.reload()
	await expect(assistant(page).nth(1)).toHaveAttribute('data-status', 'stopped')
	expect(problems).toEqual([])
})

test('markup, script and javascript: links in a reply render as text; nothing runs', async ({ page, baseURL }) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	const nasty =
		'<script>window.pwned = 1; alert(1)</script> <img src=x onerror="window.pwned = 2; alert(2)"> ' +
		'[click me](javascript:window.pwned=3) <a href="javascript:alert(4)">raw link</a> <b>bold?</b> ' +
		'<iframe src="https://evil.example"></iframe> <svg onload="alert(5)"></svg>'
	// One reply straight from the model (the offline model quotes the message), one from an imported conversation.
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill(nasty)
	await page.getByRole('button', { name: 'Start chat' }).click()
	await repliesDone(page, 1)
	const fromModel = page.url()
	const nastyReply = `Here:\n\n${nasty}\n\n<div onclick="alert(6)">block</div>`
	await importConversation(page, 'Nasty reply', 'Say something nasty', nastyReply)
	for (const visit of ['imported', 'from the model']) {
		if (visit === 'from the model') await page.goto(fromModel)
		await repliesDone(page, 1)
		const reply = assistant(page).first()
		await expect(reply).toContainText('<script>window.pwned = 1; alert(1)</script>')
		await expect(reply).toContainText('<img src=x onerror=')
		// Our own icons (lucide's SVGs, in the message's action buttons) aside.
		await expect(reply.locator('script, img, iframe, svg:not(.icon), b')).toHaveCount(0)
		await expect(reply.locator('a[href^="javascript:" i]')).toHaveCount(0)
		await expect(reply.locator('[onerror], [onclick], [onload]')).toHaveCount(0)
	}
	// An injected handler would run on a failed image load: wait until the page has nothing left to load.
	await page.waitForLoadState('networkidle')
	expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined()
	expect(problems).toEqual([])
})

test('code blocks are highlighted with a copy button; Mermaid draws lazily, sandboxed, within the CSP', async ({
	page,
	baseURL,
}, info) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	const mermaidRequests: string[] = []
	page.on('request', request => {
		if (/\/build\/_shared\/mermaid[^/]*\.js$/.test(request.url())) mermaidRequests.push(request.url())
	})
	const diagrams =
		'Code:\n\n```ts\nconst answer: number = 42\n```\n\n```mermaid\ngraph TD\n  A[Start] --> B{Ready?}\n  B -->|Yes| C[Go]\n```'
	await importConversation(page, 'Diagrams', 'Show me', diagrams)
	const reply = assistant(page).first()
	await expect(reply.locator('code.hljs .hljs-keyword').first()).toHaveText('const')
	if (info.project.name === 'js') {
		await expect(reply.getByRole('button', { name: 'Copy', exact: true })).toBeVisible()
		const image = reply.locator('img[data-mermaid-image]')
		await expect(image).toBeVisible({ timeout: 15_000 })
		expect(await image.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(50)
		expect(await image.getAttribute('src')).toMatch(/^blob:/)
		expect(mermaidRequests.length).toBeGreaterThan(0)
		// The source is one click away.
		await reply.getByText('Diagram source').click()
		await expect(reply.locator('code.language-mermaid')).toContainText('graph TD')
	} else {
		// Without JavaScript: no copy button that cannot work, and the diagram's source is readable.
		await expect(reply.getByRole('button', { name: 'Copy', exact: true })).toBeHidden()
		await expect(reply.locator('code.language-mermaid')).toContainText('A[Start] --> B{Ready?}')
	}
	expect(problems).toEqual([])

	// A page without a diagram does not fetch the renderer.
	mermaidRequests.length = 0
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill('No diagrams here')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await repliesDone(page, 1)
	expect(mermaidRequests).toEqual([])
})

test('the conversation list: search over message bodies, rename, pin and delete', async ({ page, baseURL }) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	for (const content of ['Where do puffins nest?', 'Best sourdough hydration']) {
		await page.goto('/chat')
		await page.locator('textarea[name="content"]').fill(content)
		await page.getByRole('button', { name: 'Start chat' }).click()
		await repliesDone(page, 1)
	}
	await page.goto('/chat')
	const list = page.getByRole('navigation', { name: 'Chats' })
	await list.getByLabel('Search chats').fill('puffins')
	await list.getByRole('button', { name: 'Search' }).click()
	await expect(page).toHaveURL(/\/chat\?q=puffins$/)
	const items = list.locator('[data-conversation-id]')
	await expect(items).toHaveCount(1)
	await expect(items.first().locator('mark').first()).toHaveText(/puffins/i)

	await items
		.first()
		.getByLabel(/^Options for/)
		.click()
	await items.first().getByLabel('Title').fill('Puffin homes')
	await saved(page, items.first().getByRole('button', { name: 'Rename' }))
	await expect(list.getByRole('link', { name: /Puffin homes/ })).toBeVisible()
	await page.goto('/chat')
	const puffins = list.locator('[data-conversation-id]', { hasText: 'Puffin homes' })
	await puffins.getByLabel(/^Options for/).click()
	await saved(page, puffins.getByRole('button', { name: 'Pin' }))
	await expect(list.locator('[data-conversation-id]').first()).toContainText('Puffin homes')
	await expect(list.locator('[data-conversation-id]').first().getByLabel('Pinned')).toBeVisible()
	await list
		.locator('[data-conversation-id]')
		.first()
		.getByLabel(/^Options for/)
		.click()
	await list.locator('[data-conversation-id]').first().getByRole('button', { name: 'Delete' }).click()
	await expect(list.getByRole('link', { name: /Puffin homes/ })).toHaveCount(0)
	await expect(list.locator('[data-conversation-id]')).toHaveCount(1)
	expect(problems).toEqual([])
})

test('a chat is not reachable without signing in, nor by another user', async ({ page, baseURL, browser }, info) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/)
	const address = page.url()
	const context = await browser.newContext({ baseURL, javaScriptEnabled: info.project.name === 'js' })
	const stranger = await context.newPage()
	await stranger.goto(address)
	await expect(stranger).toHaveURL(/\/login\?redirectTo=/)
	await signUpFresh(stranger, baseURL ?? '')
	const response = await stranger.goto(address)
	expect(response?.status()).toBe(404)
	await expect(stranger.getByRole('heading', { name: 'Page not found' })).toBeVisible()
	await context.close()
})
