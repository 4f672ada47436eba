/**
 * The image studio as a person uses it, with JavaScript and without: generate, browse the gallery, open an
 * image, vary it, upscale it, start a new image from it, and bring its settings back into the form.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { finished, generateImage, signUpFresh, watchProblems } from '../support/browser.ts'

function parameter(page: Page, name: string) {
	return page.locator(`[data-parameter="${name}"] dd`)
}

test('generate, then browse the gallery of sharp thumbnails and open an image', async ({ page, baseURL }, info) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	const prompt = `A lighthouse at dawn (${info.project.name})`
	await generateImage(page, prompt, { size: '3:2', count: '2' })
	// Every parameter is on the page, the seed chosen at random among them.
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(prompt)
	await expect(parameter(page, 'Seed')).toHaveText(/^\d+$/)
	await expect(parameter(page, 'Size')).toHaveText('3:2 · 1536 × 1024')
	await expect(parameter(page, 'Images')).toHaveText('2')
	await expect(parameter(page, 'Model')).toHaveText('Offline demo images')
	const download = page.getByRole('link', { name: 'Download' })
	expect(await download.getAttribute('href')).toMatch(/dl=image-/)
	const original = await page.request.get((await download.getAttribute('href')) ?? '')
	expect(original.headers()['content-type']).toBe('image/png')
	expect(original.headers()['content-disposition']).toMatch(/attachment/)

	await page.getByRole('link', { name: 'Images', exact: true }).first().click()
	await expect(page).toHaveURL(/\/images$/)
	const tiles = page.locator('[data-gallery] li[data-generation-id]')
	await expect(tiles).toHaveCount(2)
	const thumb = tiles.first().locator('img')
	// WebP copies at two widths, the slot's size, and the small copy's size so nothing shifts while loading.
	await expect(thumb).toHaveAttribute('srcset', /\.webp\?[^ ]+ 320w, .+\.webp\?[^ ]+ 640w$/)
	await expect(thumb).toHaveAttribute('sizes', /px/)
	await expect(thumb).toHaveAttribute('width', '320')
	await expect(thumb).toHaveAttribute('height', '213')
	await expect(thumb).toHaveAttribute('loading', 'eager')
	await expect.poll(() => thumb.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
	expect(await thumb.evaluate(img => (img as HTMLImageElement).currentSrc)).toMatch(/\.webp\?/)

	// The second image of the run opens on its own.
	await tiles.nth(1).getByRole('link').click()
	await expect(page).toHaveURL(/\?image=1$/)
	await expect(page.getByRole('link', { name: 'Image 2' })).toHaveAttribute('aria-current', 'true')
	expect(problems).toEqual([])
})

test('vary and upscale an image; each new one shows where it came from', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await generateImage(page, 'A red fox in the snow', { size: '1:1 small' })
	const parent = page.url()
	const seed = await parameter(page, 'Seed').textContent()

	await page.getByRole('button', { name: 'Vary' }).click()
	await expect(page).not.toHaveURL(parent)
	await finished(page, 30_000)
	await expect(page.getByText('Variation', { exact: true }).first()).toBeVisible()
	await expect(parameter(page, 'Seed')).not.toHaveText(seed ?? '')
	await expect(parameter(page, 'Size')).toHaveText('1:1 small · 512 × 512')
	const madeFrom = page.locator('[data-lineage]').first()
	await expect(madeFrom).toHaveAttribute('href', new URL(parent).pathname)

	await page.goto(parent)
	await page.getByRole('button', { name: /^Upscale/ }).click()
	await finished(page, 30_000)
	await expect(parameter(page, 'Scale')).toHaveText('2×')
	await expect(parameter(page, 'Pixels')).toHaveText('1024 × 1024')
	await expect(page.locator('img[data-original]')).toHaveAttribute('width', '1024')

	// The parent lists both children.
	await page.goto(parent)
	await expect(page.getByRole('list', { name: 'Made from this' }).getByRole('link')).toHaveCount(2)
})

test('start a new image from one, with a strength', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await generateImage(page, 'A quiet harbour', { size: '1:1 small' })
	const source = new URL(page.url()).pathname
	await page.getByRole('link', { name: 'Use as source' }).click()
	await expect(page).toHaveURL(/\/images\?source=/)
	await expect(page.getByText('Starting from this image')).toBeVisible()
	await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('A quiet harbour')
	await page.getByLabel('Prompt', { exact: true }).fill('A quiet harbour at night')
	await page.getByLabel('Strength').fill('0.8')
	await page.getByRole('button', { name: 'Generate' }).click()
	await finished(page, 30_000)
	await expect(page.getByText('From an image', { exact: true }).first()).toBeVisible()
	await expect(parameter(page, 'Strength')).toHaveText('80%')
	await expect(page.locator('[data-lineage]').first()).toHaveAttribute('href', source)
})

test('use the settings of an image again', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill('Isometric cabin in the woods')
	await page.getByRole('group', { name: 'Size' }).getByText('2:3', { exact: true }).click()
	await page.getByText('Advanced settings').click()
	await page.getByLabel('Negative prompt').fill('people')
	await page.getByLabel('Seed').fill('4242')
	await page.getByRole('button', { name: 'Generate' }).click()
	await finished(page, 30_000)
	await expect(parameter(page, 'Seed')).toHaveText('4242')

	await page.getByRole('link', { name: 'Use these settings' }).click()
	await expect(page).toHaveURL(/\/images\?from=/)
	await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('Isometric cabin in the woods')
	await expect(page.getByRole('radio', { name: '2:3' })).toBeChecked()
	await expect(page.getByLabel('Negative prompt')).toHaveValue('people')
	await expect(page.getByLabel('Seed')).toHaveValue('4242')
	// The same settings and seed make the same picture.
	await page.getByRole('button', { name: 'Generate' }).click()
	await finished(page, 30_000)
	await expect(parameter(page, 'Seed')).toHaveText('4242')
})
