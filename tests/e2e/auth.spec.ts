import { expect, test, type Page } from '@playwright/test'
import { watchProblems } from '../support/browser.ts'
import { PASSWORD } from '../support/http-auth.ts'

// Every test signs up its own account (a unique e-mail per run and project) and deletes it at the end.

async function deleteAccount(page: Page, email: string) {
	await page.goto('/settings/account')
	await page.getByLabel(`Type ${email} to confirm`).fill(email)
	await page.getByRole('button', { name: 'Delete my account' }).click()
	await expect(page).toHaveURL(/\/$/)
	await expect(page.getByRole('main').getByRole('link', { name: 'Sign in' })).toBeVisible()
}

test('sign up, sign out, sign in, and a protected page in between', async ({ page }, info) => {
	const problems = watchProblems(page, { ignore: /status of 400/ })
	const email = `e2e-${info.project.name}-${Date.now()}@example.test`

	// A protected page sends the visitor to sign in, remembering where they were going.
	await page.goto('/settings/sessions')
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsettings%2Fsessions$/)
	await page.getByRole('link', { name: 'Create an account' }).click()
	await expect(page).toHaveURL(/\/signup\?redirectTo=%2Fsettings%2Fsessions$/)

	await page.getByLabel('Name').fill('Edith Tester')
	await page.getByLabel('E-mail').fill(email)
	await page.getByLabel('Password').fill(PASSWORD)
	await page.getByRole('button', { name: 'Create account' }).click()
	await expect(page).toHaveURL(/\/settings\/sessions$/)
	await expect(page.getByRole('heading', { name: 'Where you are signed in' })).toBeVisible()
	await expect(page.getByText('This device')).toBeVisible()
	await expect(page.getByRole('banner').getByRole('link', { name: 'Edith Tester' })).toBeVisible()

	await page.getByRole('button', { name: 'Sign out' }).first().click()
	await expect(page).toHaveURL(/\/$/)
	await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible()
	await page.goto('/settings')
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsettings$/)

	// A wrong password: the message, the e-mail kept, the password emptied.
	await page.getByLabel('E-mail').fill(email)
	await page.getByLabel('Password').fill('not the right one')
	await page.getByRole('button', { name: 'Sign in' }).click()
	// The error summary takes the focus and says what happened.
	const summary = page.locator('[data-error-summary]')
	await expect(summary).toContainText('That e-mail and password do not match an account.')
	await expect(summary).toBeFocused()
	await expect(page.getByLabel('E-mail')).toHaveValue(email)
	await expect(page.getByLabel('Password')).toHaveValue('')

	await page.getByLabel('Password').fill(PASSWORD)
	await page.getByRole('button', { name: 'Sign in' }).click()
	await expect(page).toHaveURL(/\/settings$/)
	await expect(page.getByRole('heading', { name: 'Profile', exact: true })).toBeVisible()

	await deleteAccount(page, email)
	expect(problems, 'no console errors or CSP violations').toEqual([])
})

test('field errors appear beside their fields, and typed values stay', async ({ page }, info) => {
	const problems = watchProblems(page, { ignore: /status of 400/ })
	await page.goto('/signup')
	await page.getByLabel('Name').fill('Field Checker')
	await page.getByLabel('E-mail').fill(`fields-${info.project.name}@example.test`)
	await page.getByLabel('Password').fill('short')
	// Let the server judge: the browser's own checks would stop a short password before it is sent.
	await page.locator('form[action^="/signup"]').evaluate(form => form.setAttribute('novalidate', ''))
	await page.getByRole('button', { name: 'Create account' }).click()

	const password = page.getByLabel('Password')
	await expect(password).toHaveAttribute('aria-invalid', 'true')
	await expect(password).toHaveAttribute('aria-describedby', /field-password-error/)
	await expect(page.locator('#field-password-error')).toHaveText('Use at least 10 characters.')
	await expect(password).toHaveValue('')
	await expect(page.getByLabel('Name')).toHaveValue('Field Checker')
	await expect(page.getByLabel('Name')).not.toHaveAttribute('aria-invalid', 'true')
	await expect(page.getByLabel('E-mail')).toHaveValue(`fields-${info.project.name}@example.test`)
	expect(problems).toEqual([])
})
