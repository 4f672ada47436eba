import { randomUUID } from 'node:crypto'
import type { Page } from '@playwright/test'

/** Signs a new user up through the real sign-up form endpoint; the browser context keeps the session cookie. */
export async function signUpFresh(page: Page, baseURL: string) {
	const email = `e2e-${randomUUID().slice(0, 8)}@example.test`
	const response = await page.request.post('/signup', {
		form: { name: 'E2E User', email, password: 'correct horse battery staple', website: '' },
		headers: { Origin: baseURL },
		maxRedirects: 0,
	})
	if (response.status() !== 303) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`)
	return { email }
}
