/**
 * The library as a person uses it, with JavaScript and without: search and filter by link, star an item, choose
 * items with their checkboxes and download them as one zip, delete them and bring them back with Undo, and open
 * an item to see what it was made from.
 */
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { generateImage, signUpFresh, watchProblems } from '../support/browser.ts'

const flash = (page: Page) => page.locator('[data-flash-region]')
const tiles = (page: Page) => page.locator('li[data-library-item]')
const tile = (page: Page, text: string) => tiles(page).filter({ hasText: text })

/** The names in a zip's central directory. */
function zipNames(zip: Buffer): string[] {
	const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
	let at = zip.readUInt32LE(end + 16)
	const names: string[] = []
	for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
		const nameLength = zip.readUInt16LE(at + 28)
		names.push(zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'))
		at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
	}
	return names.sort()
}

test('search, star, download a zip, delete with Undo, and see an item’s lineage', async ({ page, baseURL }) => {
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	await generateImage(page, 'A red fox in the snow')
	await generateImage(page, 'A lighthouse on a cliff at dawn')

	await page.goto('/library')
	await expect(tiles(page)).toHaveCount(2)
	await expect(page.locator('[data-library-count]')).toHaveText('2 items')

	// Search is a GET form: the address says what is shown.
	await page.getByRole('searchbox', { name: 'Search prompts and names' }).fill('foxes')
	await page.getByRole('button', { name: 'Apply' }).click()
	await expect(page).toHaveURL(/[?&]q=foxes/)
	await expect(tiles(page)).toHaveCount(1)
	await expect(tile(page, 'red fox')).toHaveCount(1)

	// A star: in place with JavaScript, a round trip back to the same list without.
	await tile(page, 'red fox').getByRole('button', { name: 'Add to favourites' }).click()
	await expect(tile(page, 'red fox')).toHaveAttribute('data-favorite', 'true')
	await expect(page).toHaveURL(/[?&]q=foxes/)
	await page.goto('/library?favorites=1')
	await expect(tiles(page)).toHaveCount(1)
	await expect(tile(page, 'red fox').getByRole('button', { name: 'Remove from favourites' })).toHaveAttribute(
		'aria-pressed',
		'true',
	)

	// Both chosen, downloaded as one zip.
	await page.goto('/library')
	await page.getByRole('checkbox', { name: /Select A red fox/ }).check()
	await page.getByRole('checkbox', { name: /Select A lighthouse/ }).check()
	const downloading = page.waitForEvent('download')
	await page.getByRole('button', { name: 'Download zip' }).click()
	const download = await downloading
	expect(download.suggestedFilename()).toMatch(/^library-\d{4}-\d{2}-\d{2}\.zip$/)
	const names = zipNames(readFileSync((await download.path()) ?? ''))
	expect(names).toHaveLength(2)
	expect(names[0]).toMatch(/^image-a-lighthouse-on-a-cliff-at-dawn-[0-9a-f]{8}\.png$/)
	expect(names[1]).toMatch(/^image-a-red-fox-in-the-snow-[0-9a-f]{8}\.png$/)

	// Delete one, then Undo.
	await page.goto('/library')
	await page.getByRole('checkbox', { name: /Select A red fox/ }).check()
	await page.getByRole('button', { name: 'Delete', exact: true }).click()
	await expect(flash(page)).toContainText('1 item deleted.')
	await expect(tiles(page)).toHaveCount(1)
	await flash(page).getByRole('button', { name: 'Undo' }).click()
	await expect(flash(page)).toContainText('Restored 1 item.')
	await expect(tiles(page)).toHaveCount(2)

	// An item's page: where it came from and what was made from it.
	await tile(page, 'red fox').getByRole('link', { name: 'A red fox in the snow', exact: true }).click()
	await expect(page).toHaveURL(/\/library\/generation\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { name: 'Made from', exact: true })).toBeVisible()
	await expect(page.getByRole('heading', { name: 'Made from it' })).toBeVisible()
	expect(problems).toEqual([])
})

test('a broken filter is a clear 400', async ({ page, baseURL }) => {
	await signUpFresh(page, baseURL ?? '')
	const response = await page.goto('/library?from=2026-13-40')
	expect(response?.status()).toBe(400)
	await expect(page.getByText('Dates are days such as 2026-01-31')).toBeVisible()
})
