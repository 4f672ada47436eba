import { expect, test } from '@playwright/test'
import { signUpFresh } from '../support/browser.ts'

test('generate an image from the form and see it arrive on its page', async ({ page, baseURL }, info) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill(`A lighthouse on a cliff (${info.project.name})`)
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)

	// Without JavaScript the page refreshes itself; with it, the next state streams in or arrives by EventSource.
	const article = page.locator('[data-generation-status]')
	await expect(article).toHaveAttribute('data-generation-status', 'succeeded', { timeout: 20_000 })
	const image = page.locator('article img').first()
	await expect(image).toBeVisible()
	const src = await image.getAttribute('src')
	expect(src).toMatch(/^\/media\/media\//)
	const file = await page.request.get(src ?? '')
	expect(file.status()).toBe(200)
	expect(file.headers()['content-type']).toBe('image/png')
	// The image really decoded in the browser.
	expect(await image.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
})

test('a bad submission keeps what was typed and says what is wrong', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	// Spaces pass the browser's own check; the server's schema says what is wrong.
	await page.getByLabel('Prompt', { exact: true }).fill('    ')
	await page.getByRole('group', { name: 'Images' }).getByText('3', { exact: true }).click()
	await page.getByRole('button', { name: 'Generate' }).click()
	// The error summary takes the focus and links to the field; the field says it too.
	const summary = page.locator('[data-error-summary]')
	await expect(summary).toBeFocused()
	await expect(summary.getByRole('link', { name: 'Prompt: Describe the image you want.' })).toHaveAttribute(
		'href',
		'#field-prompt',
	)
	await expect(page.locator('#field-prompt-error')).toHaveText('Describe the image you want.')
	await expect(page.getByLabel('Prompt', { exact: true })).toHaveAttribute('aria-invalid', 'true')
	await expect(page.getByLabel('Prompt', { exact: true })).toHaveAttribute('aria-describedby', 'field-prompt-error')
	await expect(page.getByRole('radio', { name: '3', exact: true })).toBeChecked()
})
