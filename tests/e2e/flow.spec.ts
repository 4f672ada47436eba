import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { signUpFresh } from '../support/browser.ts'

/** The page's one-shot message: announced (role=status), shown after the redirect. */
const flash = (page: Page) => page.locator('[data-flash-region]')

async function undo(page: Page) {
	await flash(page).getByRole('button', { name: 'Undo' }).click()
}

test('deleting a chat says so, and Undo brings it back', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill('A chat to delete and restore')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}/)
	const url = page.url().replace(/#.*$/, '')
	// The reply settles first: with JavaScript its end refreshes the page, which would close an open menu.
	await expect(page.locator('[data-role="assistant"]').last()).toHaveAttribute('data-status', 'complete', {
		timeout: 15_000,
	})

	await page.locator('summary[aria-label="Chat settings"]').click()
	await page.getByRole('button', { name: 'Delete chat' }).click()
	await expect(page).toHaveURL(/\/chat$/)
	await expect(flash(page)).toHaveAttribute('role', 'status')
	await expect(flash(page)).toContainText('Chat deleted.')
	await expect(page.getByRole('link', { name: /A chat to delete/ })).toHaveCount(0)

	await undo(page)
	await expect(page).toHaveURL(url)
	await expect(flash(page)).toContainText('Chat restored.')
	await expect(page.locator('[data-role="user"]')).toContainText('A chat to delete and restore')
	// Read once: the next page has no message.
	await page.reload()
	await expect(flash(page)).not.toContainText('Chat restored.')
})

test('deleting a generation says so, and Undo brings it back', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill('A generation to delete and restore')
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	const url = page.url()
	await expect(page.locator('[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded', {
		timeout: 20_000,
	})

	await page.getByRole('button', { name: 'Delete' }).click()
	await expect(page).toHaveURL(/\/library$/)
	await expect(flash(page)).toContainText('Generation deleted.')
	await undo(page)
	await expect(page).toHaveURL(url)
	await expect(flash(page)).toContainText('Generation restored.')
	await expect(page.locator('[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded')
})

test('a new token is shown once from the message; revoking it can be undone', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/settings/tokens')
	await page.getByLabel('Name').fill('laptop')
	await page.getByRole('button', { name: 'Create token' }).click()
	await expect(flash(page)).toContainText('Token “laptop” created. Copy it now')
	await expect(flash(page).getByLabel('New token')).toHaveValue(/^gs_[\w-]{43}$/)
	// A reload neither shows it again nor creates a second one.
	await page.reload()
	await expect(page.getByLabel('New token')).toHaveCount(0)
	await expect(page.getByRole('button', { name: 'Revoke' })).toHaveCount(1)

	await page.getByRole('button', { name: 'Revoke' }).click()
	await expect(flash(page)).toContainText('Token “laptop” revoked.')
	await expect(page.getByRole('button', { name: 'Revoke' })).toHaveCount(0)
	await undo(page)
	await expect(flash(page)).toContainText('Token restored')
	await expect(page.getByRole('button', { name: 'Revoke' })).toHaveCount(1)
})

test('deleting the account says goodbye, and Undo restores it and signs back in', async ({ page, baseURL }) => {
	const { email } = await signUpFresh(page, baseURL ?? '')
	await page.goto('/settings/account')
	await page.getByLabel(`Type ${email} to confirm`).fill(email)
	await page.getByRole('button', { name: 'Delete my account' }).click()
	await expect(page).toHaveURL(/\/$/)
	await expect(flash(page)).toContainText('Account deleted — goodbye.')

	await undo(page)
	await expect(page).toHaveURL(/\/settings$/)
	await expect(flash(page)).toContainText('your account is restored')
})

test('a form refused by a limit stays, with what was typed and how long to wait', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	// The API token policy allows ten an hour.
	for (let i = 0; i < 10; i++) {
		const made = await page.request.post('/settings/tokens', {
			form: { intent: 'create', name: `script ${i}` },
			headers: { Origin: baseURL ?? '' },
			maxRedirects: 0,
		})
		expect(made.status()).toBe(303)
	}
	await page.goto('/settings/tokens')
	await page.getByLabel('Name').fill('the eleventh')
	await page.getByRole('button', { name: 'Create token' }).click()
	await expect(page.getByText(/Too many API tokens created\. Please try again in about 1 hour\./)).toBeVisible()
	await expect(page).toHaveURL(/\/settings\/tokens$/)
	await expect(page.getByLabel('Name')).toHaveValue('the eleventh')
	await expect(page.getByRole('button', { name: 'Create token' })).toBeVisible()
})

test('menus close with Escape and with a click outside @js-only', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/chat')
	await page.locator('textarea[name="content"]').fill('A chat with a menu')
	await page.getByRole('button', { name: 'Start chat' }).click()
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}/)
	// The reply has finished streaming and the page has settled (its end refreshes the list).
	await expect(page.locator('[data-role="assistant"]')).toHaveCount(1, { timeout: 15_000 })
	await expect(page.locator('[data-role="assistant"][data-status="streaming"]')).toHaveCount(0, { timeout: 15_000 })
	await page.waitForLoadState('networkidle')

	const menu = page.locator('details[data-menu]', { has: page.getByLabel(/^Options for /) }).first()
	const button = menu.locator('summary')
	await button.click()
	await expect(menu).toHaveAttribute('open', '')
	await page.keyboard.press('Escape')
	await expect(menu).not.toHaveAttribute('open', '')
	await expect(button).toBeFocused()

	await button.click()
	await expect(menu).toHaveAttribute('open', '')
	await page.locator('[data-role="user"]').first().click()
	await expect(menu).not.toHaveAttribute('open', '')
})
