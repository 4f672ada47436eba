import { expect, test } from '@playwright/test'
import { signUpFresh } from '../support/browser.ts'

test('"Skip to content" is the first stop of the keyboard and lands in the page', async ({ page }) => {
	await page.goto('/login')
	await page.keyboard.press('Tab')
	const skip = page.getByRole('link', { name: 'Skip to content' })
	await expect(skip).toBeFocused()
	await expect(skip).toBeVisible()
	await page.keyboard.press('Enter')
	await expect(page).toHaveURL(/#main$/)
	// The next Tab goes to the first control of the page, not back through the navigation.
	await page.keyboard.press('Tab')
	await expect(page.getByRole('main').getByRole('link', { name: 'Create an account' })).toBeFocused()
})

test('the phone menu is a disclosure that opens without JavaScript and marks the current area', async ({
	page,
	baseURL,
}) => {
	await signUpFresh(page, baseURL ?? '')
	await page.setViewportSize({ width: 390, height: 844 })
	await page.goto('/images')
	const rail = page.getByRole('navigation', { name: 'Main' })
	// Only the top bar's menu is there at this width, closed.
	await expect(rail).toHaveCount(0)
	await page.getByText('Menu', { exact: true }).click()
	const menu = page.getByRole('navigation', { name: 'Main' })
	await expect(menu).toBeVisible()
	await expect(menu.getByRole('link', { name: 'Images' })).toHaveAttribute('aria-current', 'page')
	await menu.getByRole('link', { name: 'Library' }).click()
	await expect(page).toHaveURL(/\/library$/)
	await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible()
	// The page that follows starts with the menu closed.
	await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0)
})

test('the theme follows the system until chosen, and the choice is kept by a plain form', async ({ page }) => {
	await page.emulateMedia({ colorScheme: 'dark' })
	await page.goto('/login')
	const html = page.locator('html')
	await expect(html).not.toHaveAttribute('data-theme', /.+/)
	const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)
	expect(await background()).toBe('rgb(9, 9, 11)')

	await page.getByRole('button', { name: 'Light' }).click()
	await expect(html).toHaveAttribute('data-theme', 'light')
	await expect(page).toHaveURL(/\/login$/)
	expect(await background()).toBe('rgb(250, 250, 250)')
	await expect(page.getByRole('button', { name: 'Light' })).toHaveAttribute('aria-pressed', 'true')

	// Kept across pages (a cookie), and "System" forgets it.
	await page.goto('/signup')
	await expect(html).toHaveAttribute('data-theme', 'light')
	await page.getByRole('button', { name: 'System' }).click()
	await expect(html).not.toHaveAttribute('data-theme', /.+/)
	expect(await background()).toBe('rgb(9, 9, 11)')
})

test('after a refused submit the error summary has the focus and links to each field', async ({ page }) => {
	await page.goto('/signup')
	await page.getByLabel('Name').fill('Summary Checker')
	await page.getByLabel('E-mail').fill('summary@example.test')
	await page.getByLabel('Password').fill('short')
	await page.locator('form[action^="/signup"]').evaluate(form => form.setAttribute('novalidate', ''))
	await page.getByRole('button', { name: 'Create account' }).click()

	const summary = page.locator('[data-error-summary]')
	await expect(summary).toBeFocused()
	const link = summary.getByRole('link', { name: 'Password: Use at least 10 characters.' })
	await link.click()
	await expect(page.getByLabel('Password')).toBeFocused()
})

test('a tampered value is named in the summary, with its field marked', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill('A lighthouse')
	// What a crafted request would send: a size the form never offers. Changed on its way to the server, so that
	// the page's script, still starting, cannot put the form's own value back.
	await page.getByRole('radio', { name: '1:1', exact: true }).check()
	await page.route(/\/images(\.data)?(\?|$)/, route => {
		const request = route.request()
		if (request.method() !== 'POST') return route.continue()
		const body = request.postData() ?? ''
		const tampered = body.includes('size=') ? body.replace(/size=[^&]*/, 'size=9999x9999') : body
		return route.continue({ postData: tampered })
	})
	await page.getByRole('button', { name: 'Generate' }).click()

	const summary = page.locator('[data-error-summary]')
	await expect(summary).toBeFocused()
	await expect(summary.getByRole('link', { name: /^Size: Pick one of the sizes/ })).toHaveAttribute(
		'href',
		'#field-size',
	)
	await expect(page.getByRole('group', { name: 'Size' })).toHaveAttribute('aria-invalid', 'true')
	await expect(page.locator('#field-size-error')).toContainText('Pick one of the sizes')
	await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('A lighthouse')
})

test('in-app links and forms are plain anchors and forms; with JavaScript they navigate without a page load and prefetch on hover', async ({
	page,
	baseURL,
}, testInfo) => {
	const js = testInfo.project.name === 'js'
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	// A page load would forget this.
	const mark = () => page.evaluate(() => Object.assign(window, { sameDocument: true }))
	const sameDocument = () => page.evaluate(() => 'sameDocument' in window)
	await mark()
	const rail = page.getByRole('navigation', { name: 'Main' })
	const library = rail.getByRole('link', { name: 'Library' })
	await expect(library).toHaveAttribute('href', '/library')
	if (js) {
		await library.hover()
		// As `prefetch="intent"`: the page's data is fetched ahead of the click.
		await expect(page.locator('link[rel="prefetch"][href^="/library.data"]')).toHaveCount(1)
	}
	await library.click()
	await expect(page).toHaveURL(/\/library$/)
	await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible()
	await expect(library).toHaveAttribute('aria-current', 'page')
	await expect(rail.getByRole('link', { name: 'Images' })).not.toHaveAttribute('aria-current', 'page')
	expect(await sameDocument()).toBe(js)

	// A GET form of the chats column (`data-app-form`).
	await rail.getByRole('link', { name: 'Chat' }).click()
	await expect(page).toHaveURL(/\/chat$/)
	await mark()
	await page.getByRole('searchbox', { name: 'Search chats' }).fill('lighthouse')
	await page.getByRole('button', { name: 'Search', exact: true }).click()
	await expect(page).toHaveURL(/\/chat\?q=lighthouse$/)
	await expect(page.getByText('No chats match')).toBeVisible()
	expect(await sameDocument()).toBe(js)
	// A modified click is the browser's own (a new tab), not the app's.
	if (js) {
		const [opened] = await Promise.all([
			page.context().waitForEvent('page'),
			rail.getByRole('link', { name: 'Images' }).click({ modifiers: ['ControlOrMeta'] }),
		])
		await expect(opened).toHaveURL(/\/images$/)
		await expect(page).toHaveURL(/\/chat\?q=lighthouse$/)
		await opened.close()
	}
})
