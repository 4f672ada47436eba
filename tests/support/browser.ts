/**
 * What the browser tests share: a fresh signed-in account, the problems a page reports while a test runs, a sound
 * made, an image made and a generation finished, a player playing, the forms a page sends, a stroke painted on the
 * canvas editor.
 */
import { expect, type Locator, type Page } from '@playwright/test'
import { signUpForm } from './http-auth.ts'

/** Signs a new user up through the real sign-up form endpoint; the browser context keeps the session cookie. */
export async function signUpFresh(page: Page, baseURL: string) {
	const form = signUpForm({ name: 'E2E User' })
	const response = await page.request.post('/signup', { form, headers: { Origin: baseURL }, maxRedirects: 0 })
	if (response.status() !== 303) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`)
	return { email: form.email, password: form.password }
}

/** A fresh account (signUpFresh) on the page at `path`, where most browser tests begin. */
export async function signedUpAt(page: Page, baseURL: string | undefined, path: string) {
	const account = await signUpFresh(page, baseURL ?? '')
	await page.goto(path)
	return account
}

/**
 * Console errors (CSP violations among them), page errors and unexpected dialogs, collected for a test to assert
 * on. `ignore` names console messages the test causes on purpose (a refused form answers 400, and the browser
 * logs every such response).
 */
/**
 * Waits until a chat page's script runs: its message box asks for a streamed answer only then (before, a click
 * sends the form without JavaScript). The router object alone appears before the forms' handlers do.
 */
export async function chatHydrated(page: Page) {
	await expect(page.getByRole('form', { name: 'Send a message' }).locator('input[name="mode"]')).toHaveValue('stream')
}

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

/**
 * Records every FormData the page sends with fetch (a file part's body is not visible to a test otherwise);
 * `sentForms` reads them back as name → value (a file as "file NAME TYPE BYTES").
 */
export async function recordForms(page: Page) {
	await page.addInitScript(() => {
		const sent: Array<Array<[string, string]>> = []
		Object.assign(window, { sentForms: sent })
		const original = window.fetch
		window.fetch = (input, init) => {
			if (init?.body instanceof FormData) {
				sent.push(
					[...init.body.entries()].map(([k, v]): [string, string] => [
						k,
						typeof v === 'string' ? v : `file ${v.name} ${v.type} ${v.size}`,
					]),
				)
			}
			return original(input, init)
		}
	})
}

export async function sentForms(page: Page): Promise<Array<Record<string, string>>> {
	const forms = await page.evaluate(
		() => (window as unknown as { sentForms?: Array<Array<[string, string]>> }).sentForms ?? [],
	)
	return forms.map(pairs => Object.fromEntries(pairs))
}

/** Paints one stroke across the middle of the konva stage (the canvas editor) with the mouse. */
export async function paintStroke(page: Page) {
	const stage = page.locator('[data-konva-frame] canvas').first()
	await expect(stage).toBeVisible()
	const box = await stage.boundingBox()
	if (!box) throw new Error('the konva stage has no box')
	const cx = box.x + box.width / 2
	const cy = box.y + box.height / 2
	await page.mouse.move(cx - 80, cy - 30)
	await page.mouse.down()
	for (let i = 0; i <= 12; i++) await page.mouse.move(cx - 80 + i * 13, cy - 30 + i * 5)
	await page.mouse.up()
	await expect(page.getByText('1 stroke ·')).toBeVisible()
}

/** The generation page shows the generation done. */
export async function finished(page: Page, timeout = 45_000) {
	await expect(page.locator('article[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded', {
		timeout,
	})
}

/** Makes an image through the images studio's form (a size and a count chosen, if given) and waits until it is done. */
export async function generateImage(page: Page, prompt: string, options: { size?: string; count?: string } = {}) {
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill(prompt)
	if (options.size) await page.getByRole('group', { name: 'Size' }).getByText(options.size, { exact: true }).click()
	if (options.count) await page.getByRole('group', { name: 'Images' }).getByText(options.count, { exact: true }).click()
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page)
}

/** An audio or video player plays: the browser fetched the file and time moves on (muted, so autoplay is allowed). */
export async function plays(player: Locator) {
	await player.evaluate(async element => {
		const media = element as HTMLMediaElement
		media.muted = true
		await media.play()
	})
	await expect
		.poll(() => player.evaluate(element => (element as HTMLMediaElement).currentTime), { timeout: 15_000 })
		.toBeGreaterThan(0)
}
