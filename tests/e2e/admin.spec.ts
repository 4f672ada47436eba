/**
 * Administration as a person uses it, with JavaScript and without, on a server of its own (its first account is
 * the administrator): switch a model off and see it leave the images form, disable an account and see that
 * person signed out and unable to sign in, and find both changes in the audit log.
 */
import { expect, test } from '@playwright/test'
import { signUpForm } from '../support/http-auth.ts'
import { startServer, type RunningServer } from '../support/server.ts'
import { watchProblems } from '../support/browser.ts'

let server: RunningServer

test.beforeAll(async () => {
	// A process starting on a fresh embedded database: slower than a page, on a busy machine.
	test.setTimeout(180_000)
	server = await startServer({ RATE_LIMITS: 'signup=500/3600,signup_attempt=1000/3600,signin_ip=1000/900' })
})
test.afterAll(async () => {
	await server?.stop()
})

test('an administrator switches a model off and disables an account, and finds both in the audit log', async ({
	browser,
	javaScriptEnabled,
}) => {
	test.setTimeout(120_000)
	const url = (path: string) => `${server.url}${path}`
	const adminContext = await browser.newContext({ javaScriptEnabled })
	const personContext = await browser.newContext({ javaScriptEnabled })
	try {
		const admin = await adminContext.newPage()
		const person = await personContext.newPage()
		// A refused sign-in answers 400, which the browser logs.
		const problems = watchProblems(admin)
		const adminForm = signUpForm({ name: 'Ada Admin' })
		const personForm = signUpForm({ name: 'Pat Person' })
		for (const [page, form] of [
			[admin, adminForm],
			[person, personForm],
		] as const) {
			const response = await page.request.post(url('/signup'), {
				form,
				headers: { Origin: server.url },
				maxRedirects: 0,
			})
			expect(response.status()).toBe(303)
		}

		// Models: switch the offline image model off; the images form no longer offers it.
		await person.goto(url('/images'))
		await expect(person.locator('option[value="offline:image"], input[value="offline:image"]')).not.toHaveCount(0)
		await admin.goto(url('/admin'))
		await expect(admin).toHaveURL(/\/admin\/users$/)
		await admin.getByRole('link', { name: 'Models' }).first().click()
		await expect(admin).toHaveURL(/\/admin\/models$/)
		await admin.getByRole('button', { name: 'Switch off Offline demo images' }).click()
		await expect(admin.locator('[data-flash-region]')).toContainText('is switched off')
		await expect(admin.locator('tr[data-model-id="offline:image"] [data-model-enabled]')).toHaveText('Switched off')
		await person.goto(url('/images'))
		await expect(person.locator('option[value="offline:image"], input[value="offline:image"]')).toHaveCount(0)

		// Users: find the person and disable them; they are signed out and told why when they sign in.
		await admin.goto(url('/admin/users'))
		await admin.getByRole('searchbox', { name: 'Search by e-mail or name' }).fill('Pat Person')
		await admin.getByRole('button', { name: 'Search' }).click()
		await expect(admin).toHaveURL(/[?&]q=Pat\+Person/)
		await admin.getByRole('button', { name: `Disable ${personForm.email}` }).click()
		await expect(admin.locator('[data-flash-region]')).toContainText(`${personForm.email} is disabled`)
		await expect(admin.locator('[data-user-status]')).toHaveText('Disabled')

		await person.goto(url('/chat'))
		await expect(person).toHaveURL(/\/login/)
		await person.getByLabel('E-mail').fill(personForm.email)
		await person.getByLabel('Password', { exact: true }).fill(personForm.password)
		await person.getByRole('button', { name: 'Sign in' }).click()
		await expect(person.getByText('This account has been disabled by an administrator')).toBeVisible()

		// The audit log names both changes, who made them and what changed.
		await admin.getByRole('link', { name: 'Audit log' }).click()
		await expect(admin).toHaveURL(/\/admin\/audit$/)
		const entries = admin.locator('[data-audit-action]')
		await expect(entries).toHaveCount(2)
		await expect(admin.locator('[data-audit-action="user.disable"]')).toContainText(
			`${adminForm.email} disabled ${personForm.email}`,
		)
		await expect(admin.locator('[data-audit-action="user.disable"]')).toContainText('disabled: false → true')
		await expect(admin.locator('[data-audit-action="model.disable"]')).toContainText('switched off Offline demo images')
		expect(problems).toEqual([])
	} finally {
		await adminContext.close()
		await personContext.close()
	}
})
