/**
 * The multitrack editor as a person uses it, with JavaScript and without: make a project with two clips from the
 * library, move a clip (with JavaScript by dragging it in the waveform, without by its start form), mix down,
 * and play the mixdown.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { madeSpeech, plays, signUpFresh, watchProblems } from '../support/browser.ts'

/** Two spoken sounds in the library, made through the API and waited for. */
async function twoSounds(page: Page, baseURL: string) {
	for (const prompt of ['First line for the mix.', 'Second line, a little longer, for the mix.'])
		await madeSpeech(page, baseURL, prompt)
}

test('two clips, move one, mix down, play', async ({ page, baseURL }, info) => {
	test.setTimeout(150_000)
	const problems = watchProblems(page)
	const js = info.project.name === 'js'
	await signUpFresh(page, baseURL ?? '')
	await twoSounds(page, baseURL ?? '')
	await page.goto('/audio/projects')
	await page.getByLabel('Name').fill('Two clips')
	await page.getByRole('button', { name: 'Create project' }).click()
	await expect(page).toHaveURL(/\/audio\/projects\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Two clips')

	// A clip on each track: the first sound on Track 1 at 0 s, the second on Track 2 at 1 s.
	const track1 = page.locator('article[data-track-id]').nth(0)
	await track1.getByLabel('Sound from your library').selectOption({ index: 1 })
	await track1.getByRole('button', { name: 'Add clip to Track 1' }).click()
	await expect(track1.locator('li[data-clip-id]')).toHaveCount(1)
	const track2 = page.locator('article[data-track-id]').nth(1)
	await track2.getByLabel('Sound from your library').selectOption({ index: 0 })
	await track2.getByLabel('Start (s)').fill('1')
	await track2.getByRole('button', { name: 'Add clip to Track 2' }).click()
	const clip = track2.locator('li[data-clip-id]')
	await expect(clip).toHaveAttribute('data-clip-start', '1')
	await expect(clip.locator('audio')).toHaveCount(1)

	if (js) {
		// Drag the clip along Track 2's waveform: the editor autosaves, the page's data follows.
		const region = page.locator(`[data-editor-track="${await track2.getAttribute('data-track-id')}"] [part~="region"]`)
		await expect(region).toHaveCount(1)
		const box = await region.boundingBox()
		if (!box) throw new Error('the clip has no box')
		await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
		await page.mouse.down()
		await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 8 })
		await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2, { steps: 8 })
		await page.mouse.up()
		const saveState = page.locator('[data-save-state]')
		await expect(saveState).toHaveAttribute('data-save-state', 'saved', { timeout: 10_000 })
		const clipStart = () => track2.locator('li[data-clip-id]').getAttribute('data-clip-start')
		// The saved document reached the server: the form below shows the new start.
		await expect.poll(clipStart).not.toBe('1')
		// Keys: seek with the arrows (the shared playhead), undo and redo the drag (each autosaved).
		const editor = page.getByRole('application', { name: 'Editor' })
		await editor.focus()
		await page.keyboard.press('ArrowRight')
		await page.keyboard.press('ArrowRight')
		await expect(editor.getByLabel('Playhead')).toHaveText('2.00 s')
		await page.keyboard.press('Control+z')
		await expect(saveState).toHaveAttribute('data-save-state', 'saved', { timeout: 10_000 })
		await expect.poll(clipStart).toBe('1')
		await page.keyboard.press('Control+Shift+z')
		await expect(saveState).toHaveAttribute('data-save-state', 'saved', { timeout: 10_000 })
		await expect.poll(clipStart).not.toBe('1')
		await page.reload()
		const start = Number(await track2.locator('li[data-clip-id]').getAttribute('data-clip-start'))
		// Dragged 80 px to the right: later than the 1 s it was added at.
		expect(start).toBeGreaterThan(1.2)
	} else {
		await clip.getByLabel('Start (s)').fill('2.5')
		await clip.getByRole('button', { name: 'Save clip' }).click()
		await expect(track2.locator('li[data-clip-id]')).toHaveAttribute('data-clip-start', '2.5')
	}

	// Mix down: the job renders WAV and MP3; the page follows it to done.
	await page.getByRole('button', { name: 'Mix down' }).click()
	const mix = page.locator('#mixdowns li[data-generation-status]').first()
	await expect(mix).toHaveAttribute('data-generation-status', 'succeeded', { timeout: 45_000 })
	const player = mix.locator('audio').first()
	const src = (await player.getAttribute('src')) ?? ''
	const range = await page.request.get(src, { headers: { Range: 'bytes=0-99' } })
	expect(range.status()).toBe(206)
	expect(range.headers()['content-type']).toBe('audio/wav')
	if (js) await plays(player)
	// Lineage: the mixdown's page names the project it came from.
	const projectUrl = page.url()
	await mix.getByRole('link', { name: /^Mixdown of / }).click()
	await expect(page.locator('[data-source-project]').getByRole('link', { name: 'Two clips' })).toHaveAttribute(
		'href',
		new URL(projectUrl).pathname,
	)
	expect(problems).toEqual([])
})
