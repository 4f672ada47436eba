/**
 * The multitrack editor's own controls, with JavaScript: trim a clip by its region's handle, Space to play and
 * pause, zoom from the keyboard, and two tabs editing one project — the stale tab's save is refused with a clear
 * message and nothing is overwritten until the person chooses.
 */
import { expect, test } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'
import { madeSpeech, signUpFresh, watchProblems } from '../support/browser.ts'

/** Drags from the middle of `target` (or one of its edges) by `dx` pixels. */
async function drag(page: Page, target: Locator, dx: number) {
	const box = await target.boundingBox()
	if (!box) throw new Error('nothing to drag')
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
	await page.mouse.down()
	await page.mouse.move(box.x + box.width / 2 + dx / 2, box.y + box.height / 2, { steps: 6 })
	await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2, { steps: 6 })
	await page.mouse.up()
}

test('@js-only trim by the handle, Space plays and pauses, zoom; a stale tab cannot overwrite', async ({
	page,
	baseURL,
	context,
}) => {
	test.setTimeout(150_000)
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	await madeSpeech(page, baseURL ?? '', 'A line for the editor to trim.')
	await page.goto('/audio/projects')
	await page.getByLabel('Name').fill('Editor keys')
	await page.getByRole('button', { name: 'Create project' }).click()
	await expect(page).toHaveURL(/\/audio\/projects\/[0-9a-f-]{36}$/)
	const track = page.locator('article[data-track-id]').nth(0)
	await track.getByRole('button', { name: 'Add clip to Track 1' }).click()
	const clip = track.locator('li[data-clip-id]')
	await expect(clip).toHaveCount(1)
	const plays = async () => Number(/plays ([\d.]+) s/.exec((await clip.textContent()) ?? '')?.[1])
	const full = await plays()
	const trackId = (await track.getAttribute('data-track-id')) ?? ''
	const region = page.locator(`[data-editor-track="${trackId}"] [part~="region"]`)
	await expect(region).toHaveCount(1)
	const saveState = page.locator('[data-save-state]')

	// Zoom in from the keyboard first, so the region is wide enough to take hold of its edge.
	const editor = page.getByRole('application', { name: 'Editor' })
	const zoom = editor.getByLabel('Zoom')
	await editor.focus()
	const before = Number(await zoom.inputValue())
	await page.keyboard.press('+')
	await page.keyboard.press('+')
	await expect.poll(async () => Number(await zoom.inputValue())).toBeGreaterThan(before)

	// Pull the right handle to the left: the clip plays for less, saved, and the forms below follow.
	await drag(page, region.locator('[part~="region-handle-right"]'), -30)
	await expect(saveState).toHaveAttribute('data-save-state', 'saved', { timeout: 10_000 })
	await expect.poll(plays).toBeLessThan(full)

	// Space plays and pauses.
	await editor.focus()
	const transport = editor.getByRole('button', { name: /^(Play|Pause)$/ })
	await expect(transport).toHaveText('Play')
	await page.keyboard.press('Space')
	await expect(transport).toHaveText('Pause')
	await expect.poll(async () => (await editor.getByLabel('Playhead').textContent()) ?? '').not.toBe('0.00 s')
	await page.keyboard.press('Space')
	await expect(transport).toHaveText('Play')

	// A second tab moves the clip and saves; this tab, still on the older revision, then moves it too.
	const other = await context.newPage()
	await other.goto(page.url())
	const otherRegion = other.locator(`[data-editor-track="${trackId}"] [part~="region"]`)
	await expect(otherRegion).toHaveCount(1)
	await drag(other, otherRegion, 80)
	await expect(other.locator('[data-save-state]')).toHaveAttribute('data-save-state', 'saved', { timeout: 10_000 })
	const savedElsewhere = await other.locator('li[data-clip-id]').getAttribute('data-clip-start')
	expect(Number(savedElsewhere)).toBeGreaterThan(0)

	await drag(page, region, 40)
	const conflict = page.locator('[data-save-conflict]')
	await expect(conflict).toContainText('changed in another tab or window', { timeout: 10_000 })
	await expect(saveState).toHaveAttribute('data-save-state', 'conflict')
	// Nothing was overwritten: the server still has the other tab's start.
	await other.reload()
	await expect(other.locator('li[data-clip-id]')).toHaveAttribute('data-clip-start', savedElsewhere ?? '')
	// Taking the saved version shows the other tab's work here.
	await conflict.getByRole('button', { name: 'Load the saved version' }).click()
	await expect(saveState).toHaveAttribute('data-save-state', 'saved')
	await expect(clip).toHaveAttribute('data-clip-start', savedElsewhere ?? '')
	await other.close()
	// The refused save is the one 409 the browser reports; nothing else went wrong.
	expect(problems.filter(p => !/status of 409 \(Conflict\)/.test(p))).toEqual([])
	expect(problems).toHaveLength(1)
})
