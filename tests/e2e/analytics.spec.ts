/**
 * Analytics as a person uses it, with JavaScript and without: make two generations (offline provider), open the
 * page, see the charts and their tables, switch range by link and by the custom form (a bad range says why and
 * keeps the dates), see the empty state, and download the range as CSV.
 */
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { generateImage, signUpFresh, watchProblems } from '../support/browser.ts'

const today = () => new Date().toISOString().slice(0, 10)

test('see usage by day, capability and model, switch range, and download it as CSV', async ({ page, baseURL }) => {
	// The invalid range answers 400, which the browser logs as a failed resource.
	const problems = watchProblems(page, { ignore: /status of 400/ })
	await signUpFresh(page, baseURL ?? '')
	await generateImage(page, 'A red fox in the snow')
	await generateImage(page, 'A lighthouse on a cliff at dawn')

	await page.goto('/analytics')
	await expect(page.getByRole('heading', { name: 'Analytics', level: 1 })).toBeVisible()
	await expect(page.getByRole('link', { name: 'This month' })).toHaveAttribute('aria-current', 'page')
	await expect(page.locator('[data-analytics-budget]')).toContainText('This month’s budget')
	// The second generation's ledger row is written as it completes: wait for it, reloading, rather than assume.
	await expect(async () => {
		await page.reload()
		await expect(page.locator('[data-analytics-total-calls]')).toHaveText('2', { timeout: 1_000 })
	}).toPass({ timeout: 15_000 })

	// Each chart is one SVG image with a summary, and its figures are in a table beside it.
	const dayChart = page.locator('svg[data-chart$="-by-day"]')
	await expect(dayChart).toHaveAttribute('role', 'img')
	await expect(dayChart).toHaveAttribute('aria-label', /by day, .* stacked by capability/)
	const days = page.getByRole('table', { name: /by day \(UTC\)/ })
	await expect(days.getByRole('row').filter({ has: page.locator(`time[datetime="${today()}"]`) })).toContainText('2')
	await expect(page.getByRole('img', { name: /^(Cost|Calls) by capability/ })).toBeVisible()
	const capabilities = page.getByRole('table', { name: /Usage by capability/ })
	await expect(capabilities.getByRole('row', { name: /Images/ })).toContainText('2 images')
	const models = page.getByRole('table', { name: /Usage by model/ })
	await expect(models.getByRole('rowheader')).toHaveCount(1)

	// A preset is a link: the address says what is shown.
	await page.getByRole('link', { name: 'Last 30 days' }).click()
	await expect(page).toHaveURL(/\?range=30d$/)
	await expect(page.getByRole('link', { name: 'Last 30 days' })).toHaveAttribute('aria-current', 'page')
	await expect(days.getByRole('row')).toHaveCount(31)

	// A custom range that ends before it starts: the reason, the dates as typed, no error page.
	await page.getByLabel('From', { exact: true }).fill('2026-05-01')
	await page.getByLabel('To', { exact: true }).fill('2026-01-31')
	await page.getByRole('button', { name: 'Apply' }).click()
	await expect(page).toHaveURL(/range=custom&from=2026-05-01&to=2026-01-31/)
	await expect(page.getByRole('alert')).toHaveText('The first day must not be after the last day.')
	await expect(page.getByLabel('From', { exact: true })).toHaveValue('2026-05-01')
	await expect(page.getByLabel('From', { exact: true })).toHaveAttribute('aria-invalid', 'true')

	// A range with nothing in it: a friendly empty state.
	await page.getByLabel('From', { exact: true }).fill('2026-01-01')
	await page.getByLabel('To', { exact: true }).fill('2026-01-31')
	await page.getByRole('button', { name: 'Apply' }).click()
	await expect(page.locator('[data-analytics-empty]')).toContainText('Nothing used in this range')
	await expect(page.getByRole('link', { name: 'Make an image' })).toBeVisible()

	// Back to this month, and its CSV: a download of the same range, one line per day, model and capability.
	await page.getByRole('link', { name: 'This month' }).click()
	const downloading = page.waitForEvent('download')
	await page.getByRole('link', { name: 'Export CSV' }).click()
	const download = await downloading
	const month = today().slice(0, 8)
	expect(download.suggestedFilename()).toBe(`usage-${month}01-to-${today()}.csv`)
	const lines = readFileSync((await download.path()) ?? '', 'utf8')
		.trimEnd()
		.split('\r\n')
	expect(lines[0]).toBe('date_utc,model,capability,calls,input_tokens,output_tokens,images,seconds,characters,cost_usd')
	expect(lines.slice(1)).toHaveLength(1)
	expect(lines[1]).toMatch(new RegExp(`^${today()},[^,]+,image,2,0,0,2,0,0,\\d+\\.\\d{6}$`))

	expect(problems).toEqual([])
})
