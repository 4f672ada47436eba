/**
 * The image and video studios walked end to end as a person does, with JavaScript and without: generate an image,
 * vary it, upscale the variation, inpaint the upscale (an uploaded mask without JavaScript, a mask painted with the
 * mouse on the konva stage with it), make a video from the inpainted image and play it. Every step ends with the
 * new generation done and its lineage on the page: its parent above it, and itself among the parent's children.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import sharp from 'sharp'
import { paintStroke, recordForms, sentForms, signUpFresh, watchProblems } from '../support/browser.ts'

const GENERATION = /\/generations\/([0-9a-f-]{36})$/

/** Waits (the page refreshes itself without JavaScript, follows events with it) until the work is done. */
async function succeeded(page: Page) {
	await expect(page.locator('article[data-generation-status]')).toHaveAttribute('data-generation-status', 'succeeded', {
		timeout: 45_000,
	})
}

/** The id of the generation whose page is open. */
function current(page: Page): string {
	return GENERATION.exec(new URL(page.url()).pathname)?.[1] ?? ''
}

/**
 * The open image names its parent as "Made from", and the parent's page lists it under "Made from this" with the
 * words of its relation.
 */
async function lineage(page: Page, parent: string, child: string, relation: string) {
	const madeFrom = page.locator(`a[data-lineage="${parent}"]`)
	await expect(madeFrom).toBeVisible()
	await expect(madeFrom).toHaveAttribute('href', `/generations/${parent}`)
	await page.goto(`/generations/${parent}`)
	const children = page.getByRole('list', { name: 'Made from this' })
	const link = children.locator(`a[data-lineage="${child}"]`)
	await expect(link).toBeVisible()
	await expect(link).toHaveAttribute('data-generation-status', 'succeeded')
	await expect(link).toContainText(relation)
	await link.click()
	await expect(page).toHaveURL(`/generations/${child}`)
}

/** A white square on black, smaller than the image (the server stretches it): white is repainted. */
async function maskFile() {
	const square = await sharp({ create: { width: 160, height: 160, channels: 3, background: '#fff' } })
		.png()
		.toBuffer()
	return sharp({ create: { width: 512, height: 512, channels: 3, background: '#000' } })
		.composite([{ input: square, left: 176, top: 176 }])
		.png()
		.toBuffer()
}

test('generate → vary → upscale → inpaint → make a video → it plays, each with its lineage', async ({
	page,
	baseURL,
}, info) => {
	test.setTimeout(240_000)
	const js = info.project.use.javaScriptEnabled !== false
	const problems = watchProblems(page)
	if (js) await recordForms(page)
	await signUpFresh(page, baseURL ?? '')

	// Generate.
	await page.goto('/images')
	const prompt = `A lighthouse on a cliff at dusk (${info.project.name})`
	await page.getByLabel('Prompt', { exact: true }).fill(prompt)
	await page.getByRole('group', { name: 'Size' }).getByText('1:1 small', { exact: true }).click()
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(GENERATION)
	await succeeded(page)
	const original = current(page)
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(prompt)

	// Vary: same settings, a new seed, the original as its parent.
	const seed = await page.locator('[data-parameter="Seed"] dd').textContent()
	await page.getByRole('button', { name: 'Vary' }).click()
	await expect(page).not.toHaveURL(`/generations/${original}`)
	await expect(page).toHaveURL(GENERATION)
	await succeeded(page)
	const variation = current(page)
	await expect(page.locator('[data-parameter="Seed"] dd')).not.toHaveText(seed ?? '')
	await lineage(page, original, variation, 'Variation')

	// Upscale the variation: twice the pixels.
	await page.getByRole('button', { name: /^Upscale/ }).click()
	await expect(page).not.toHaveURL(`/generations/${variation}`)
	await succeeded(page)
	const upscale = current(page)
	await expect(page.locator('[data-parameter="Pixels"] dd')).toHaveText('1024 × 1024')
	await lineage(page, variation, upscale, 'Upscale')

	// Inpaint the upscale, from its Edit link.
	await page.getByRole('link', { name: 'Edit', exact: true }).click()
	await expect(page).toHaveURL(`/generations/${upscale}/edit`)
	if (js) {
		await paintStroke(page)
		const editor = page.locator('[data-canvas-editor]')
		await editor.getByLabel('Prompt').fill('a flock of gulls')
		const posted = page.waitForRequest(r => r.method() === 'POST' && r.url().includes(`/generations/${upscale}/edit`))
		await editor.getByRole('button', { name: 'Inpaint' }).click()
		expect((await posted).headers()['content-type']).toMatch(/^multipart\/form-data/)
		// The painted mask went with the request, as a PNG file beside the prompt.
		const form = (await sentForms(page)).at(-1) ?? {}
		expect(form.intent).toBe('inpaint')
		expect(form.prompt).toBe('a flock of gulls')
		expect(form.mask).toMatch(/^file mask\.png image\/png [1-9]\d*$/)
	} else {
		const inpaint = page.locator('form', { has: page.getByRole('heading', { name: 'Inpaint with a mask' }) })
		await inpaint.getByLabel('Mask image').setInputFiles({
			name: 'mask.png',
			mimeType: 'image/png',
			buffer: await maskFile(),
		})
		await inpaint.getByLabel('What to paint there').fill('a flock of gulls')
		await inpaint.getByLabel('Model').selectOption('offline:image')
		await inpaint.getByRole('button', { name: 'Inpaint' }).click()
	}
	await expect(page).toHaveURL(GENERATION, { timeout: 15_000 })
	await expect(page).not.toHaveURL(`/generations/${upscale}`)
	await succeeded(page)
	const inpainted = current(page)
	// The server kept the mask with the edit (either way it was made).
	await expect(page.locator('[data-parameter="Mask"] dd')).toHaveText('White repainted, black kept')
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('a flock of gulls')
	await lineage(page, upscale, inpainted, 'Inpaint')

	// Make a video from the inpainted image.
	await page.getByRole('link', { name: 'Make a video' }).click()
	await expect(page).toHaveURL(new RegExp(`/video\\?source=${inpainted}`))
	await expect(page.locator(`[data-video-source="${inpainted}"]`)).toBeVisible()
	await page.getByRole('button', { name: 'Generate video' }).click()
	await expect(page).toHaveURL(GENERATION)
	await succeeded(page)
	const video = current(page)
	await expect(page.locator(`[data-parent="${inpainted}"]`)).toBeVisible()

	// It plays: the browser loads it and time moves on.
	const player = page.locator('video')
	await expect(player).toHaveAttribute('preload', 'metadata')
	await player.evaluate(async v => {
		const clip = v as HTMLVideoElement
		clip.muted = true
		await clip.play()
	})
	await expect
		.poll(() => player.evaluate(v => (v as HTMLVideoElement).readyState), { timeout: 15_000 })
		.toBeGreaterThanOrEqual(2)
	expect(await player.evaluate(v => (v as HTMLVideoElement).paused)).toBe(false)
	await expect
		.poll(() => player.evaluate(v => (v as HTMLVideoElement).currentTime), { timeout: 15_000 })
		.toBeGreaterThan(0)

	// The image lists the clip among what was made from it.
	await page.goto(`/generations/${inpainted}`)
	const clip = page.getByRole('list', { name: 'Made from this' }).locator(`a[data-lineage="${video}"]`)
	await expect(clip).toContainText('Video from this image')
	await expect(clip).toHaveAttribute('data-generation-status', 'succeeded')
	expect(problems).toEqual([])
})
