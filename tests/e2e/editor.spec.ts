/**
 * The canvas editor as a person uses it: without JavaScript, inpaint by uploading a mask (white is repainted)
 * and crop with the form; with JavaScript, paint the mask with the mouse on the konva stage and inpaint, the
 * request carrying the painted mask as a PNG file.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import sharp from 'sharp'
import { finished, paintStroke, recordForms, sentForms, signUpFresh, watchProblems } from '../support/browser.ts'

/** A small finished image, then its editor (through the detail page's Edit link). */
async function openEditor(page: Page, prompt: string): Promise<string> {
	await page.goto('/images')
	await page.getByLabel('Prompt', { exact: true }).fill(prompt)
	await page.getByRole('group', { name: 'Size' }).getByText('1:1 small', { exact: true }).click()
	await page.getByRole('button', { name: 'Generate' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page, 30_000)
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
	await finished(page, 30_000)
	await expect(page.locator(`[data-lineage="${source}"]`).first()).toBeVisible()

	await page.goto(`/generations/${source}/edit`)
	const crop = page.locator('form', { has: page.getByRole('heading', { name: 'Crop' }) })
	await crop.getByLabel('Shape').selectOption('16:9')
	await crop.getByRole('button', { name: 'Crop as a new image' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)
	await finished(page, 30_000)
	await expect(page.locator('[data-parameter="Pixels"] dd')).toHaveText('512 × 288')
	expect(problems).toEqual([])
})

test('paint a mask with the mouse on the canvas and inpaint: the request carries the mask @js-only', async ({
	page,
	baseURL,
}) => {
	const problems = watchProblems(page)
	await recordForms(page)
	await signUpFresh(page, baseURL ?? '')
	const source = await openEditor(page, 'A lighthouse on a cliff')
	await paintStroke(page)
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
	const form = (await sentForms(page)).at(-1) ?? {}
	expect(form.intent).toBe('inpaint')
	expect(form.prompt).toBe('a flock of gulls')
	expect(form.mask).toMatch(/^file mask\.png image\/png [1-9]\d*$/)
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/, { timeout: 15_000 })
	expect(page.url()).not.toContain(source)
	await finished(page, 30_000)
	await expect(page.locator(`[data-lineage="${source}"]`).first()).toBeVisible()
	expect(problems).toEqual([])
})

type KonvaRect = { x: number; y: number; width: number; height: number }
type KonvaWindow = {
	Konva: {
		stages: Array<{ findOne(selector: string): { getClientRect(): KonvaRect; visible(): boolean } | undefined }>
	}
}

/** Where a konva node is on the screen (its box in the page), found by a konva selector. */
async function konvaBox(page: Page, selector: string) {
	// Typing in the side panel may have scrolled the stage away (the mouse only reaches what is on the screen).
	await page.locator('[data-konva-frame]').scrollIntoViewIfNeeded()
	const box = await page.evaluate(sel => {
		const stage = (window as unknown as KonvaWindow).Konva.stages.at(-1)
		const node = stage?.findOne(sel)
		const canvas = document.querySelector('[data-konva-frame] canvas')?.getBoundingClientRect()
		if (!node || !canvas) return null
		const r = node.getClientRect()
		return { x: canvas.left + r.x, y: canvas.top + r.y, width: r.width, height: r.height, visible: node.visible() }
	}, selector)
	if (!box) throw new Error(`no konva node ${selector}`)
	return { ...box, cx: box.x + box.width / 2, cy: box.y + box.height / 2 }
}

async function drag(page: Page, from: { cx: number; cy: number }, by: { x: number; y: number }) {
	await page.mouse.move(from.cx, from.cy)
	await page.mouse.down()
	for (let i = 1; i <= 8; i++) await page.mouse.move(from.cx + (by.x * i) / 8, from.cy + (by.y * i) / 8)
	await page.mouse.up()
}

/** Counts the pure green pixels of a stored picture. */
async function greenPixels(page: Page, url: string): Promise<number> {
	const body = await (await page.request.get(url)).body()
	const { data, info } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true })
	let count = 0
	for (let i = 0; i < data.length; i += info.channels) {
		if ((data[i] ?? 0) < 60 && (data[i + 1] ?? 0) > 200 && (data[i + 2] ?? 0) < 60) count++
	}
	return count
}

test('text layers: add, type, drag, resize and turn with the handles, restyle, delete; saved into the new image @js-only', async ({
	page,
	baseURL,
}) => {
	test.setTimeout(90_000)
	const problems = watchProblems(page)
	await signUpFresh(page, baseURL ?? '')
	const source = await openEditor(page, 'A blank wall')
	const stage = page.locator('[data-konva-frame] canvas').first()
	await expect(stage).toBeVisible()
	const frame = await stage.boundingBox()
	if (!frame) throw new Error('no stage')
	const selectedLayer = page.locator('[data-selected-layer]')

	// Add: a click with the text tool puts a layer there, selected, its words ready to type over.
	await page.getByRole('button', { name: 'Add text' }).click()
	await page.mouse.click(frame.x + frame.width / 2 - 120, frame.y + frame.height / 2 - 60)
	const words = page.getByLabel('Layer text')
	await expect(words).toBeFocused()
	await words.fill('Hello there')
	const layers = page.getByRole('list', { name: 'Layers' })
	await expect(layers.getByRole('button', { name: 'Text “Hello there”', exact: true })).toBeVisible()
	await expect(selectedLayer).toHaveAttribute('data-selected-layer', 'text')

	// Move it by dragging.
	const x = Number(await selectedLayer.getAttribute('data-x'))
	const y = Number(await selectedLayer.getAttribute('data-y'))
	await drag(page, await konvaBox(page, 'Text'), { x: 60, y: 40 })
	await expect.poll(async () => Number(await selectedLayer.getAttribute('data-x'))).toBeGreaterThan(x + 20)
	await expect.poll(async () => Number(await selectedLayer.getAttribute('data-y'))).toBeGreaterThan(y + 10)

	// Resize with the transformer's corner: the font grows.
	const font = Number(await selectedLayer.getAttribute('data-font-size'))
	await drag(page, await konvaBox(page, '.bottom-right'), { x: 50, y: 40 })
	await expect.poll(async () => Number(await selectedLayer.getAttribute('data-font-size'))).toBeGreaterThan(font)
	// Turn it with the rotation handle.
	await drag(page, await konvaBox(page, '.rotater'), { x: 90, y: 30 })
	await expect.poll(async () => Number(await selectedLayer.getAttribute('data-rotation'))).not.toBe(0)

	// Font size and colour from the panel.
	await page.getByLabel('Font size').fill('64')
	await expect(selectedLayer).toHaveAttribute('data-font-size', '64')
	await page.getByLabel('Colour', { exact: true }).fill('#00ff00')
	await page.getByLabel('Colour', { exact: true }).blur()

	// Escape lets go of it; a rectangle added and deleted with the Delete key leaves the text alone.
	await page.keyboard.press('Escape')
	await expect(selectedLayer).toHaveCount(0)
	await page.getByRole('button', { name: 'Add a rectangle' }).click()
	await stage.scrollIntoViewIfNeeded()
	const now = await stage.boundingBox()
	await page.mouse.click((now?.x ?? 0) + 40, (now?.y ?? 0) + 40)
	await expect(layers.getByRole('listitem')).toHaveCount(2)
	await expect(selectedLayer).toHaveAttribute('data-selected-layer', 'rect')
	await page.keyboard.press('Delete')
	await expect(layers.getByRole('listitem')).toHaveCount(1)
	// The delete button of the list removes a layer too, and undo brings it back.
	await layers.getByRole('button', { name: 'Delete text “Hello there”' }).click()
	await expect(layers).toHaveCount(0)
	await page.keyboard.press('Control+z')
	await expect(layers.getByRole('listitem')).toHaveCount(1)

	// Saved as a new image, the text is in its pixels (green where the source had none).
	await page.getByRole('button', { name: 'Save as new image' }).click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/, { timeout: 15_000 })
	expect(page.url()).not.toContain(source)
	await finished(page, 30_000)
	await expect(page.getByText('Canvas edit', { exact: true }).first()).toBeVisible()
	const saved = (await page.locator('img[data-original]').getAttribute('src')) ?? ''
	await page.goto(`/generations/${source}`)
	const original = (await page.locator('img[data-original]').getAttribute('src')) ?? ''
	expect(await greenPixels(page, saved)).toBeGreaterThan((await greenPixels(page, original)) + 200)
	expect(problems).toEqual([])
})

test('the brush and eraser show their size as a ring under the pointer, at the zoom, gone off the stage @js-only', async ({
	page,
	baseURL,
}) => {
	await signUpFresh(page, baseURL ?? '')
	await openEditor(page, 'A field of poppies')
	const canvas = page.locator('[data-konva-frame] canvas').first()
	await expect(canvas).toBeVisible()
	const frame = page.locator('[data-konva-frame]')
	const box = await canvas.boundingBox()
	if (!box) throw new Error('no stage')
	const ringWidth = async () => (await konvaBox(page, 'Circle')).width

	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
	await expect(frame).toHaveAttribute('data-brush-cursor', 'shown')
	const px = Number(await frame.getAttribute('data-brush-px'))
	expect(px).toBeGreaterThan(0)
	// The ring is the brush's width on the screen (its outline adds a pixel or two).
	expect(Math.abs((await ringWidth()) - px)).toBeLessThan(6)
	const ring = await konvaBox(page, 'Circle')
	expect(Math.abs(ring.cx - (box.x + box.width / 2))).toBeLessThan(3)

	// A bigger brush, then a closer zoom: a bigger ring each time.
	await page.keyboard.press(']')
	await expect.poll(async () => Number(await frame.getAttribute('data-brush-px'))).toBeGreaterThan(px)
	const bigger = Number(await frame.getAttribute('data-brush-px'))
	await page.getByRole('button', { name: 'Zoom in' }).click()
	await page.mouse.move(box.x + box.width / 2 + 5, box.y + box.height / 2)
	await expect.poll(async () => Number(await frame.getAttribute('data-brush-px'))).toBeGreaterThan(bigger)
	expect(Math.abs((await ringWidth()) - Number(await frame.getAttribute('data-brush-px')))).toBeLessThan(6)

	// The eraser has one too; off the stage, or with a tool that does not paint, it is gone.
	await page.getByRole('button', { name: 'Eraser (E)' }).click()
	await page.mouse.move(box.x + 30, box.y + 30)
	await expect(frame).toHaveAttribute('data-brush-cursor', 'shown')
	await page.mouse.move(box.x + box.width / 2, box.y + box.height + 80)
	await expect(frame).toHaveAttribute('data-brush-cursor', 'hidden')
	expect((await konvaBox(page, 'Circle')).visible).toBe(false)
	await page.mouse.move(box.x + 30, box.y + 30)
	await expect(frame).toHaveAttribute('data-brush-cursor', 'shown')
	await page.keyboard.press('v')
	await expect(frame).toHaveAttribute('data-brush-cursor', 'hidden')
})
