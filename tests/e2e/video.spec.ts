/**
 * The video studio as a person uses it, with JavaScript and without: the form per model, generate a clip (the
 * job list shows it pending, then done), play it with its poster frame; and make a video from an image's page.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { finished, plays, signUpFresh, watchProblems } from '../support/browser.ts'

/** The player plays: the browser fetched the file (by range) and time moves on. */
/** The clip on its page: poster, ranged reads, and it plays. */
async function videoPlays(page: Page) {
	const player = page.locator('video')
	await expect(player).toHaveAttribute('poster', /\.webp\?/)
	await expect(player).toHaveAttribute('preload', 'metadata')
	const src = (await player.getAttribute('src')) ?? ''
	const range = await page.request.get(src, { headers: { Range: 'bytes=0-99' } })
	expect(range.status()).toBe(206)
	expect(range.headers()['content-range']).toMatch(/^bytes 0-99\/\d+$/)
	const poster = await page.request.get((await player.getAttribute('poster')) ?? '')
	expect(poster.headers()['content-type']).toBe('image/webp')
	await plays(player)
}

test('generate a clip: pending in the jobs list, then done, then it plays', async ({ page, baseURL }, info) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/video')
	// The offline model's lengths, aspects and resolutions, its price beside it.
	await expect(page.getByRole('group', { name: 'Length' }).getByRole('radio')).toHaveCount(3)
	await expect(page.getByRole('group', { name: 'Aspect ratio' }).getByRole('radio')).toHaveCount(3)
	const prompt = `Waves on a pebble beach (${info.project.name})`
	await page.getByLabel('Prompt', { exact: true }).fill(prompt)
	await page.getByRole('group', { name: 'Length' }).getByText('5 s', { exact: true }).click()
	await page.getByRole('group', { name: 'Aspect ratio' }).getByText('9:16', { exact: true }).click()
	await page.getByRole('button', { name: 'Generate video' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	const detail = page.url()
	await finished(page)
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(prompt)
	await videoPlays(page)
	const download = page.getByRole('link', { name: 'Download' })
	expect(await download.getAttribute('href')).toMatch(/dl=video-/)

	// The jobs list shows it done, with its status in the markup.
	await page.goto('/video')
	const job = page.locator(`li[data-generation-id="${detail.split('/').at(-1)}"]`)
	await expect(job).toHaveAttribute('data-generation-status', 'succeeded')
	await expect(job.locator('video')).toHaveAttribute('poster', /\.webp\?/)
	expect(problems).toEqual([])
})

test('a pending clip shows in the jobs list with its elapsed time, and can be canceled', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	// Many at once: the single worker leaves some queued long enough to see them pending.
	for (let i = 0; i < 4; i++) {
		await page.goto('/video')
		await page.getByLabel('Prompt', { exact: true }).fill(`Clip ${i}`)
		await page.getByRole('button', { name: 'Generate video' }).click()
		await expect(page).toHaveURL(/\/generations\//)
	}
	await page.goto('/video')
	const jobs = page.locator('li[data-generation-status]')
	await expect(jobs).toHaveCount(4)
	// Every job ends done (or canceled, when caught pending): none stays pending.
	const pending = page.locator('li[data-generation-status="queued"], li[data-generation-status="running"]')
	if ((await pending.count()) > 0) {
		await expect(pending.first().locator('[data-elapsed]')).toBeVisible()
		await pending
			.first()
			.getByRole('button', { name: /Cancel/ })
			.click()
		await expect(page).toHaveURL(/\/generations\//)
		await expect(page.locator('article[data-generation-status]')).toHaveAttribute(
			'data-generation-status',
			/canceled|succeeded/,
		)
	}
	await page.goto('/video')
	await expect(
		page.locator('li[data-generation-status="succeeded"], li[data-generation-status="canceled"]'),
	).toHaveCount(4, { timeout: 45_000 })
})

test('make a video from an image: its page offers it, the clip names the image as its parent', async ({
	page,
	baseURL,
}) => {
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill('A lighthouse at dusk')
	await page.getByRole('group', { name: 'Size' }).getByText('1:1 small', { exact: true }).click()
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page)
	const imageId = page.url().split('/').at(-1) ?? ''

	await page.getByRole('link', { name: 'Make a video' }).click()
	await expect(page).toHaveURL(new RegExp(`/video\\?source=${imageId}`))
	await expect(page.locator(`[data-video-source="${imageId}"]`)).toBeVisible()
	// The prompt starts from the image's.
	await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('A lighthouse at dusk')
	await page.getByRole('button', { name: 'Generate video' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page)
	await videoPlays(page)

	// The image's page lists the clip among what was made from it.
	await page.goto(`/generations/${imageId}`)
	await expect(page.locator('[data-lineage]').getByText('Video from this image').first()).toBeVisible()
})
