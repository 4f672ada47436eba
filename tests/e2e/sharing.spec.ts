import { expect, test } from '@playwright/test'
import type { Browser, Page } from '@playwright/test'
import { signUpFresh, watchProblems } from '../support/browser.ts'

/** Opens `url` in a fresh browser context (no cookies: a stranger), with JavaScript as this project runs it. */
async function stranger(browser: Browser, javaScriptEnabled: boolean) {
	const context = await browser.newContext({ javaScriptEnabled })
	return { context, page: await context.newPage() }
}

/** Fills and submits the Share disclosure on the current page; returns the link shown on "My shares". */
async function share(page: Page, title: string): Promise<string> {
	const form = page.locator('[data-share-form]').first()
	await form.locator('summary').click()
	await form.getByLabel('Title (optional)').fill(title)
	await form.getByRole('button', { name: 'Create link' }).click()
	await expect(page).toHaveURL(/\/settings\/shares$/)
	const url = await page.locator('[data-share-url]').first().inputValue()
	expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{22}$/)
	return url
}

test('share an image: a stranger sees it signed out with preview tags; revoked, it is gone at once', async ({
	page,
	browser,
	baseURL,
}, info) => {
	const problems = watchProblems(page)
	const js = info.project.name === 'js'
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill('A heron standing in a misty marsh at dawn')
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page.locator('[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded', {
		timeout: 20_000,
	})
	const url = await share(page, 'Marsh heron')

	const visitor = await stranger(browser, js)
	try {
		const response = await visitor.page.goto(url)
		expect(response?.status()).toBe(200)
		await expect(visitor.page.getByRole('heading', { level: 1 })).toHaveText('Marsh heron')
		const image = visitor.page.locator('article img').first()
		await expect(image).toBeVisible()
		// Visible is not loaded: wait for the picture itself to arrive (a broken one never gets a width).
		await expect
			.poll(() =>
				image.evaluate(img => ((img as HTMLImageElement).complete ? (img as HTMLImageElement).naturalWidth : 0)),
			)
			.toBeGreaterThan(0)
		await expect(visitor.page.locator('meta[property="og:image"]')).toHaveAttribute('content', /^http.*\/media\//)
		await expect(visitor.page.locator('meta[name="twitter:card"]')).toHaveAttribute('content', 'summary_large_image')
		await expect(visitor.page.getByText('E2E User')).toHaveCount(0)

		// Revoke from "My shares": the stranger's next load is a 404.
		await page.getByRole('button', { name: 'Revoke' }).first().click()
		await expect(page.locator('[data-share-status="revoked"]')).toHaveCount(1)
		const again = await visitor.page.reload()
		expect(again?.status()).toBe(404)
		await expect(visitor.page.getByText('Marsh heron')).toHaveCount(0)
	} finally {
		await visitor.context.close()
	}
	expect(problems).toEqual([])
})

test('share a chat; another signed-in person makes their own copy', async ({ page, browser, baseURL }, info) => {
	const js = info.project.name === 'js'
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill('What do herons eat?')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page.locator('[data-role="assistant"][data-status="complete"]')).toHaveCount(1, { timeout: 20_000 })
	const url = await share(page, 'Heron diet')

	const other = await stranger(browser, js)
	try {
		await other.page.goto(url)
		await expect(other.page.locator('[data-role="user"]')).toContainText('What do herons eat?')
		await expect(other.page.getByRole('button', { name: 'Make a copy' })).toHaveCount(0)
		await signUpFresh(other.page, baseURL ?? '')
		await other.page.goto(url)
		await other.page.getByRole('button', { name: 'Make a copy' }).click()
		await expect(other.page).toHaveURL(/\/chat\/[0-9a-f-]{36}/)
		await expect(other.page.locator('[data-role="user"]').first()).toContainText('What do herons eat?')
		expect(other.page.url()).not.toContain(url)
	} finally {
		await other.context.close()
	}
})

test('share part of a chat: the message pickers come on request, and the link shows only that part', async ({
	page,
	browser,
	baseURL,
}, info) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill('Where do kingfishers nest?')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page.locator('[data-role="assistant"][data-status="complete"]')).toHaveCount(1, { timeout: 20_000 })
	const form = page.locator('[data-share-form]').first()
	await form.locator('summary').click()
	// The whole chat is shared unless a part is asked for: no pickers until then.
	await expect(form.getByLabel('From')).toHaveCount(0)
	await form.getByRole('link', { name: 'Share only some of the messages…' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}\?share=part$/)
	await expect(form.getByLabel('From')).toBeVisible()
	await expect(form.getByLabel('To')).toBeVisible()
	// Blank (the first message), the question, the reply: start at the reply.
	await form.getByLabel('From').selectOption({ index: 2 })
	await form.getByLabel('Title (optional)').fill('Kingfisher reply')
	await form.getByRole('button', { name: 'Create link' }).click()
	await expect(page).toHaveURL(/\/settings\/shares$/)
	const url = await page.locator('[data-share-url]').first().inputValue()

	const other = await stranger(browser, info.project.name === 'js')
	try {
		await other.page.goto(url)
		await expect(other.page.locator('[data-role="assistant"]')).toHaveCount(1)
		await expect(other.page.locator('[data-role="user"]')).toHaveCount(0)
	} finally {
		await other.context.close()
	}
	expect(problems).toEqual([])
})
