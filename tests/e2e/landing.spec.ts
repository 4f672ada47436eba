import { expect, test } from '@playwright/test'
import { watchProblems } from '../support/browser.ts'

test('the landing page renders with navigation to every area, under a strict CSP', async ({ page }, info) => {
	const problems = watchProblems(page)

	const response = await page.goto('/')
	expect(response?.status()).toBe(200)
	await expect(page.getByRole('heading', { level: 1, name: 'Generation Studio' })).toBeVisible()
	const nav = page.getByRole('navigation', { name: 'Main' })
	for (const label of ['Chat', 'Images', 'Video', 'Audio', 'Workflows', 'Library', 'Analytics', 'Settings']) {
		await expect(nav.getByRole('link', { name: label })).toBeVisible()
	}

	if (info.project.name === 'js') {
		// Hydration ran: client-side navigation works without a full document load.
		await page.waitForFunction(() => '__remixRouter' in window)
	}
	// The studios are for signed-in users: a visitor is sent to sign in, and comes back afterwards.
	await nav.getByRole('link', { name: 'Images' }).click()
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fimages$/)
	await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible()
	expect(problems, 'no console errors or CSP violations').toEqual([])
})

test('an unknown address shows the 404 page with a reference', async ({ page }) => {
	const response = await page.goto('/no-such-page')
	expect(response?.status()).toBe(404)
	await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
	await expect(page.locator('[data-request-id]')).toHaveText(response?.headers()['x-request-id'] ?? 'missing')
})
