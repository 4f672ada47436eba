/** What the browser tests share: a fresh signed-in account, the problems a page reports while a test runs, a sound made. */
import { expect, type Page } from '@playwright/test'
import { signUpForm } from './http-auth.ts'

/** Signs a new user up through the real sign-up form endpoint; the browser context keeps the session cookie. */
export async function signUpFresh(page: Page, baseURL: string) {
	const form = signUpForm({ name: 'E2E User' })
	const response = await page.request.post('/signup', { form, headers: { Origin: baseURL }, maxRedirects: 0 })
	if (response.status() !== 303) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`)
	return { email: form.email, password: form.password }
}

/**
 * Console errors (CSP violations among them), page errors and unexpected dialogs, collected for a test to assert
 * on. `ignore` names console messages the test causes on purpose (a refused form answers 400, and the browser
 * logs every such response).
 */
export function watchProblems(page: Page, options: { ignore?: RegExp } = {}): string[] {
	const problems: string[] = []
	page.on('console', message => {
		if (message.type() === 'error' && !options.ignore?.test(message.text())) problems.push(message.text())
	})
	page.on('pageerror', error => problems.push(error.message))
	page.on('dialog', dialog => {
		problems.push(`dialog: ${dialog.message()}`)
		void dialog.dismiss()
	})
	return problems
}

/** A spoken sound made through the API as the signed-in person, waited for until it is in their library. */
export async function madeSpeech(page: Page, baseURL: string, prompt: string): Promise<string> {
	const made = await page.request.post('/api/generate/audio', {
		data: { prompt, mode: 'speech' },
		headers: { Origin: baseURL },
	})
	expect(made.status()).toBe(202)
	const { generation } = (await made.json()) as { generation: { id: string } }
	await expect
		.poll(
			async () => {
				const r = await page.request.get(`/api/generations/${generation.id}`)
				return ((await r.json()) as { generation?: { status: string } }).generation?.status
			},
			{ timeout: 30_000 },
		)
		.toBe('succeeded')
	return generation.id
}
