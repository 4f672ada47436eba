/**
 * The canvas editor as a person uses it: without JavaScript, inpaint by uploading a mask (white is repainted)
 * and crop with the form; with JavaScript, paint the mask with the mouse on the konva stage and inpaint, the
 * request carrying the painted mask as a PNG file.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import sharp from 'sharp'
import { signUpFresh, watchProblems } from '../support/browser.ts'

async function finished(page: Page) {
	await expect(page.locator('article[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded', {
		timeout: 30_000,
	})
}

/** A small finished image, then its editor (through the detail page's Edit link). */
async function openEditor(page: Page, prompt: string): Promise<string> {
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill(prompt)
	await page.getByRole('group', { name: 'Size' }).getByText('1:1 small', { exact: true }).click()
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page)
	const source = new URL(page.url()).pathname.split('/').at(-1) ?? ''
	await page.getByRole('link', { name: 'Edit', exact: true }).click()
	await expect(page).toHaveURL(`/generations/${source}/edit`)
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Edit image')
	return source
}

test('inpaint with an uploaded mask, then crop with the form: each a new image made from the source', async ({
	page,
	baseURL,
}) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	const source = await openEditor(page, 'A quiet harbour')
	const mask = await sharp({ create: { width: 512, height: 512, channels: 3, background: '#000' } })
		.composite([
			{
				input: await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } })
					.png()
					.toBuffer(),
				left: 100,
				top: 100,
			},
		])
		.png()
		.toBuffer()
	const inpaint = page.locator('form', { has: page.getByRole('heading', { name: 'Inpaint with a mask' }) })
	await inpaint.getByLabel('Mask image').setInputFiles({ name: 'mask.png', mimeType: 'image/png', buffer: mask })
	await inpaint.getByLabel('What to paint there').fill('a red lantern')
	await inpaint.getByLabel('Model').selectOption('offline:image')
	await inpaint.getByRole('button', { name: 'Inpaint' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	expect(page.url()).not.toContain(source)
	await finished(page)
	await expect(page.locator(`[data-lineage="${source}"]`).first()).toBeVisible()

	await page.goto(`/generations/${source}/edit`)
	const crop = page.locator('form', { has: page.getByRole('heading', { name: 'Crop' }) })
	await crop.getByLabel('Shape').selectOption('16:9')
	await crop.getByRole('button', { name: 'Crop as a new image' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page)
	await expect(page.locator('[data-parameter="Pixels"] dd')).toHaveText('512 × 288')
	expect(problems).toEqual([])
})

test('paint a mask with the mouse on the canvas and inpaint: the request carries the mask @js-only', async ({
	page,
	baseURL,
}) => {
	const problems = watchProblems(page)
	// What the page sends, as the browser builds it (a file part's body is not visible to the test otherwise).
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
	await signUpFresh(page, baseURL ?? '')
	const source = await openEditor(page, 'A lighthouse on a cliff')
	const stage = page.locator('[data-konva-frame] canvas').first()
	await expect(stage).toBeVisible()
	const box = await stage.boundingBox()
	if (!box) throw new Error('no stage')
	const cx = box.x + box.width / 2
	const cy = box.y + box.height / 2
	await page.mouse.move(cx - 60, cy - 40)
	await page.mouse.down()
	for (let i = 0; i <= 10; i++) await page.mouse.move(cx - 60 + i * 12, cy - 40 + i * 8)
	await page.mouse.up()
	await expect(page.getByText('1 stroke ·')).toBeVisible()
	// Undo and redo bring the stroke back and forth (keyboard shortcuts).
	await page.keyboard.press('Control+z')
	await expect(page.getByText('0 strokes ·')).toBeVisible()
	await page.keyboard.press('Control+Shift+z')
	await expect(page.getByText('1 stroke ·')).toBeVisible()

	const editor = page.locator('[data-canvas-editor]')
	await editor.getByLabel('Prompt').fill('a flock of gulls')
	const sent = page.waitForRequest(r => r.method() === 'POST' && r.url().includes(`/generations/${source}/edit`))
	await editor.getByRole('button', { name: 'Inpaint' }).click()
	const request = await sent
	expect(request.headers()['content-type']).toMatch(/^multipart\/form-data/)
	const forms = await page.evaluate(
		() => (window as unknown as { sentForms: Array<Array<[string, string]>> }).sentForms,
	)
	const form = Object.fromEntries(forms.at(-1) ?? [])
	expect(form.intent).toBe('inpaint')
	expect(form.prompt).toBe('a flock of gulls')
	expect(form.mask).toMatch(/^file mask\.png image\/png [1-9]\d*$/)
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/, { timeout: 15_000 })
	expect(page.url()).not.toContain(source)
	await finished(page)
	await expect(page.locator(`[data-lineage="${source}"]`).first()).toBeVisible()
	expect(problems).toEqual([])
})
