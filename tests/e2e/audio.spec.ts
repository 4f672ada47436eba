/**
 * The audio studio as a person uses it, with JavaScript and without: speak a sentence and play it, listen to a
 * voice's sample, switch to sound effects (in place with JavaScript, by GET without) and make one; the results
 * list shows each with a player, its duration and a download link.
 */
import { expect, test } from '@playwright/test'
import { finished, plays, signedUpAt, watchProblems } from '../support/browser.ts'
import { wav } from '../support/samples.ts'

test('speak a sentence: its page plays it; the studio lists it with a player, duration and download', async ({
	page,
	baseURL,
}, info) => {
	const problems = watchProblems(page)
	await signedUpAt(page, baseURL, '/audio')
	await expect(page.getByRole('radio', { name: 'Speech' })).toBeChecked()
	// The offline model's voices, with a sample of the one chosen.
	await expect(page.getByLabel('Voice', { exact: true }).locator('option')).toHaveText(['tone', 'chime', 'hum'])
	const sample = page.locator('audio[data-voice-sample="tone"]')
	const sampled = await page.request.get((await sample.getAttribute('src')) ?? '')
	expect(sampled.status()).toBe(200)
	expect(sampled.headers()['content-type']).toBe('audio/wav')
	await expect(page.locator('[data-audio-price]')).toHaveText('Free')

	const text = `Welcome to the studio (${info.project.name}). This is a test.`
	await page.getByLabel('Text to speak').fill(text)
	await page.getByLabel('Voice', { exact: true }).selectOption('chime')
	await page.getByLabel('Speed').fill('1.5')
	await page.getByRole('button', { name: 'Speak' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	const id = page.url().split('/').at(-1) ?? ''
	await finished(page)
	await plays(page.locator('article audio').first())

	await page.goto('/audio')
	const row = page.locator(`li[data-generation-id="${id}"]`)
	await expect(row).toHaveAttribute('data-generation-status', 'succeeded')
	await expect(row.locator('[data-audio-duration]')).toHaveText(/^0:0\d$/)
	expect(await row.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/dl=audio-/)
	await plays(row.locator('audio'))
	expect(problems).toEqual([])
})

test('a sound effect: the kind chosen brings its models and fields, and the result is listed', async ({
	page,
	baseURL,
	javaScriptEnabled,
}) => {
	await signedUpAt(page, baseURL, '/audio')
	await page.getByLabel('Text to speak').fill('Rain on a tin roof')
	await page.getByText('Sound effect', { exact: true }).click()
	if (!javaScriptEnabled) {
		// Without JavaScript the form comes back by GET with the fields for the kind chosen, keeping the text.
		await page.getByRole('button', { name: 'Show the settings for this choice' }).click()
		await expect(page).toHaveURL(/\/audio\?.*mode=effects/)
	}
	await expect(page.getByLabel('Describe the sound')).toHaveValue('Rain on a tin roof')
	await expect(page.getByLabel('Voice', { exact: true })).toHaveCount(0)
	await expect(page.getByLabel('Model')).toHaveValue('offline:music')
	await page.getByLabel('Length (seconds)').fill('3')
	await page.getByRole('button', { name: 'Make the sound' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	const id = page.url().split('/').at(-1) ?? ''
	await finished(page)
	await page.goto('/audio')
	const row = page.locator(`li[data-generation-id="${id}"]`)
	await expect(row).toHaveAttribute('data-audio-mode', 'effects')
	await expect(row.locator('[data-audio-duration]')).toHaveText('0:03')
})

test('a refused field keeps what was typed and says why beside it', async ({ page, baseURL }) => {
	await signedUpAt(page, baseURL, '/audio')
	await page.getByLabel('Text to speak').fill('Too fast.')
	await page.getByLabel('Speed').fill('3')
	// The browser's own range check would stop it first: send it as a person without that check would.
	await page.locator('input[name="speed"]').evaluate(input => input.removeAttribute('max'))
	await page.getByRole('button', { name: 'Speak' }).click()
	await expect(page.getByText(/takes a speed from 0.5 to 2/).first()).toBeVisible()
	await expect(page.getByLabel('Text to speak')).toHaveValue('Too fast.')
})

test('transcribe an uploaded recording: progress, segments that play from their time, search, edit, SRT', async ({
	page,
	baseURL,
	javaScriptEnabled,
}) => {
	await signedUpAt(page, baseURL, '/audio')
	await page.getByRole('link', { name: 'Transcribe a recording' }).click()
	await expect(page).toHaveURL(/\/audio\/transcribe$/)
	await page.getByLabel('Recording').setInputFiles({
		name: 'memo.wav',
		mimeType: 'audio/wav',
		buffer: Buffer.from(wav(8000 * 6)),
	})
	await page.getByLabel('Language').selectOption('en')
	await page.getByRole('button', { name: 'Transcribe' }).click()
	await expect(page).toHaveURL(/\/audio\/transcripts\/[0-9a-f-]{36}$/)
	await expect(page.locator('article[data-transcript-status]')).toHaveAttribute('data-transcript-status', 'succeeded', {
		timeout: 30_000,
	})
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('memo.wav')
	await expect(page.locator('[data-segment]')).toHaveCount(3)

	// A timestamp plays from its segment: in place with JavaScript, by the media fragment without.
	const second = page.getByRole('link', { name: 'Play from 0:02' })
	await second.click()
	if (javaScriptEnabled) {
		await expect
			.poll(() => page.locator('#player audio').evaluate(a => (a as HTMLAudioElement).currentTime))
			.toBeGreaterThanOrEqual(2)
	} else {
		await expect(page).toHaveURL(/\?t=2#player$/)
		await expect(page.locator('#player audio')).toHaveAttribute('src', /#t=2$/)
	}

	// Search within it, then edit a segment.
	await page.getByLabel('Search the transcript').fill('4 to 6')
	await page.getByRole('button', { name: 'Search' }).click()
	await expect(page.locator('[data-search-count]')).toHaveAttribute('data-search-count', '1')
	await page.getByRole('link', { name: 'Show all' }).click()
	await expect(page.locator('[data-segment]')).toHaveCount(3)
	const first = page.locator('[data-segment="0"]')
	await first.getByText('Edit').click()
	await first.getByRole('textbox').fill('Hello from the edited segment.')
	await first.getByRole('button', { name: 'Save' }).click()
	await expect(page.locator('[data-segment="0"] p').first()).toHaveText('Hello from the edited segment.')

	const href = (await page.getByRole('link', { name: 'SRT' }).getAttribute('href')) ?? ''
	const srt = await page.request.get(href)
	expect(srt.status()).toBe(200)
	expect(srt.headers()['content-disposition']).toBe('attachment; filename="memo.srt"')
	const body = await srt.text()
	expect(
		body.startsWith('1\n00:00:00,000 --> 00:00:02,000\nHello from the edited segment.\n\n2\n00:00:02,000 --> '),
	).toBe(true)
})
