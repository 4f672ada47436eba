/**
 * Workflows as a person builds them, with JavaScript and without: a new workflow, three nodes (a text input, a
 * prompt template that uses it, an image from the template) set and connected through the node forms — with
 * JavaScript the last connection is dragged on the graph, from the template's output to the image's input —
 * then run, watched to the end, every output on the run page and in the library.
 */
import { expect, test } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'
import { signUpFresh, watchProblems } from '../support/browser.ts'

const card = (page: Page, nodeId: string): Locator => page.locator(`section[data-node-id="${nodeId}"]`)

async function addNode(page: Page, label: string, nodeId: string) {
	await page.getByRole('button', { name: label, exact: true }).click()
	await expect(card(page, nodeId)).toBeVisible()
}

async function saveNode(page: Page, nodeId: string) {
	await card(page, nodeId).getByRole('button', { name: 'Save node' }).click()
}

/** Visible is not loaded: waits for the picture itself to arrive (a broken one never gets a width). */
async function expectLoaded(image: Locator) {
	await expect
		.poll(() =>
			image.evaluate(img => ((img as HTMLImageElement).complete ? (img as HTMLImageElement).naturalWidth : 0)),
		)
		.toBeGreaterThan(0)
}

/** Drags on the konva stage from one port to another, using the positions the graph publishes. */
async function dragPorts(page: Page, from: string, to: string) {
	const graph = page.getByTestId('graph')
	// Fitted to its measured size (positions read before that would be stale).
	await expect(graph).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
	await graph.scrollIntoViewIfNeeded()
	const box = await graph.boundingBox()
	if (!box) throw new Error('no graph on the page')
	const point = async (port: string, side: 'in' | 'out') => {
		const li = page.locator(`[data-testid="graph-ports"] li[data-port="${port}"][data-side="${side}"]`)
		return {
			x: box.x + Number(await li.getAttribute('data-x')),
			y: box.y + Number(await li.getAttribute('data-y')),
		}
	}
	const a = await point(from, 'out')
	const b = await point(to, 'in')
	await page.mouse.move(a.x, a.y)
	await page.mouse.down()
	await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 })
	await page.mouse.move(b.x, b.y, { steps: 5 })
	await page.mouse.up()
}

test('build a three-node workflow, run it, see every output, share it', async ({ page, browser, baseURL }, info) => {
	test.setTimeout(120_000)
	const problems = watchProblems(page)
	const js = info.project.name === 'js'
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/workflows')
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Workflows')
	await page.getByRole('textbox', { name: 'Name' }).fill('Lighthouse poster')
	await page.getByRole('button', { name: 'New workflow' }).click()
	await expect(page).toHaveURL(/\/workflows\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Lighthouse poster')

	await addNode(page, 'Text input', 'text1')
	await card(page, 'text1').getByLabel('Name', { exact: true }).fill('Topic')
	await card(page, 'text1').getByLabel('Text', { exact: true }).fill('a lighthouse at dawn')
	await saveNode(page, 'text1')
	await expect(card(page, 'text1').getByRole('heading', { level: 3 })).toHaveText('Topic')

	await addNode(page, 'Prompt template', 'template1')
	await card(page, 'template1').getByLabel('Template', { exact: true }).fill('A watercolour poster of {{topic}}')
	await saveNode(page, 'template1')
	// The slot became an input: connect it to the text.
	await expect(card(page, 'template1').locator('[data-node-problems]')).toContainText('“topic” input connected')
	await card(page, 'template1').locator('select[name="in.topic.0"]').selectOption('text1.text')
	await saveNode(page, 'template1')
	await expect(card(page, 'template1').locator('[data-node-problems]')).toHaveCount(0)

	await addNode(page, 'Image', 'image1')
	// Not runnable yet: the image has no prompt, and the page says so beside it.
	await expect(card(page, 'image1').locator('[data-node-problems]')).toContainText('“prompt” input connected')
	await expect(page.getByRole('button', { name: 'Run workflow' })).toBeDisabled()
	if (js) {
		await expect(page.getByTestId('graph')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
		// The selected node's fields are a side panel beside the graph, not under it.
		const graphBox = await page.getByTestId('graph').boundingBox()
		const panelBox = await card(page, 'image1').boundingBox()
		expect(panelBox && graphBox && panelBox.x >= graphBox.x + graphBox.width).toBe(true)
		expect(panelBox && graphBox && panelBox.y < graphBox.y + graphBox.height).toBe(true)
		await dragPorts(page, 'template1.text', 'image1.prompt')
		// Saved in the background, then the page's data read again.
		await expect(card(page, 'image1').locator('[data-node-problems]')).toHaveCount(0, { timeout: 15_000 })
		await expect(card(page, 'image1').locator('select[name="in.prompt.0"]')).toHaveValue('template1.text')
	} else {
		await card(page, 'image1').locator('select[name="in.prompt.0"]').selectOption('template1.text')
		await saveNode(page, 'image1')
		await expect(card(page, 'image1').locator('[data-node-problems]')).toHaveCount(0)
	}
	await expect(page.locator('[data-node-problems]')).toHaveCount(0)
	await expect(page.getByTestId('estimate-total')).toHaveText('Free')

	await page.getByRole('button', { name: 'Run workflow' }).click()
	await expect(page).toHaveURL(/\/workflows\/[0-9a-f-]{36}\/runs\/[0-9a-f-]{36}$/)
	await expect(page.locator('[data-run-status]')).toHaveAttribute('data-run-status', 'succeeded', { timeout: 60_000 })
	for (const id of ['text1', 'template1', 'image1'])
		await expect(page.locator(`li[data-node-id="${id}"]`)).toHaveAttribute('data-node-status', 'succeeded')
	await expect(page.locator('li[data-node-id="text1"] [data-output="text"]')).toHaveText('a lighthouse at dawn')
	await expect(page.locator('li[data-node-id="template1"] [data-output="text"]')).toHaveText(
		'A watercolour poster of a lighthouse at dawn',
	)
	const image = page.locator('li[data-node-id="image1"] img[data-output="image"]')
	await expect(image).toBeVisible()
	await expectLoaded(image)

	// The image is a library item.
	await page.locator('li[data-node-id="image1"] [data-library-link]').click()
	await expect(page).toHaveURL(/\/generations\/[0-9a-f-]{36}$/)

	// The run is in the workflow's history.
	await page.goBack()
	await page.getByRole('link', { name: 'Editor' }).click()
	await expect(page.getByTestId('run-history').locator('li')).toHaveCount(1)

	// Shared with its run's outputs, a stranger (signed out) sees the steps and the picture.
	const share = page.locator('[data-share-form]').first()
	await share.locator('summary').click()
	await share.getByLabel('Title (optional)').fill('Lighthouse pipeline')
	await share.getByLabel('Include the last run’s outputs').check()
	await share.getByRole('button', { name: 'Create link' }).click()
	await expect(page).toHaveURL(/\/settings\/shares$/)
	const url = await page.locator('[data-share-url]').first().inputValue()
	const stranger = await browser.newContext({ javaScriptEnabled: js })
	try {
		const visitor = await stranger.newPage()
		expect((await visitor.goto(url))?.status()).toBe(200)
		await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Lighthouse pipeline')
		await expect(visitor.getByRole('heading', { name: '3 steps · 2 connections' })).toBeVisible()
		await expect(visitor.getByText('A watercolour poster of a lighthouse at dawn')).toBeVisible()
		await expectLoaded(visitor.locator('main img').first())
	} finally {
		await stranger.close()
	}
	expect(problems).toEqual([])
})

test('import, duplicate, export and delete on the list', async ({ page, baseURL }) => {
	const problems = watchProblems(page, { ignore: /status of 4\d\d/ })
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/workflows')
	const definition = {
		version: 1,
		nodes: [{ id: 'topic', name: 'Topic', kind: 'text', value: 'tide pools' }],
		edges: [],
	}
	await page.getByLabel('Or paste its JSON').fill('{ not json')
	await page.getByRole('button', { name: 'Import' }).click()
	await expect(page.getByText('That is not JSON')).toBeVisible()
	await page
		.getByLabel('Or paste its JSON')
		.fill(JSON.stringify({ format: 'generation-studio.workflow', name: 'Pasted', definition }))
	await page.getByRole('button', { name: 'Import' }).click()
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pasted')
	await expect(card(page, 'topic')).toBeVisible()
	const exported = await page.request.get(`${new URL(page.url()).pathname}/export`)
	expect(exported.headers()['content-disposition']).toContain('Pasted.json')
	expect(await exported.json()).toMatchObject({ name: 'Pasted', definition })

	await page.goto('/workflows')
	await page.getByRole('button', { name: 'Duplicate' }).click()
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pasted (copy)')
	await page.goto('/workflows')
	await expect(page.getByTestId('workflow-list').locator('li')).toHaveCount(2)
	await page.getByRole('button', { name: 'Delete Pasted (copy)' }).click()
	await expect(page.getByTestId('workflow-list').locator('li')).toHaveCount(1)

	// A template becomes a workflow of one's own, ready to run.
	await page.getByRole('button', { name: 'Use the template Blog post with a header image' }).click()
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Blog post with a header image')
	await expect(page.getByTestId('estimate-total')).toBeVisible()
	await expect(page.getByRole('button', { name: 'Run workflow' })).toBeEnabled()
	expect(problems).toEqual([])
})

test('two tabs on one workflow: the graph save from the older version is refused and shows the newer one @js-only', async ({
	page,
	baseURL,
}) => {
	const problems = watchProblems(page, { ignore: /status of 409/ })
	await signUpFresh(page, baseURL ?? '')
	await page.goto('/workflows')
	await page.getByRole('button', { name: 'Use the template Blog post with a header image' }).click()
	// The graph is its own chunk: on a busy machine it can take a while to arrive.
	await expect(page.getByTestId('graph')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
	const other = await page.context().newPage()
	await other.goto(page.url())
	await expect(other.getByTestId('graph')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })

	// The first tab saves (the graph laid out again); the second, still on the version both read, is refused.
	const read = await page.getByTestId('graph').getAttribute('data-version')
	await page.getByRole('button', { name: 'Tidy up' }).click()
	await expect(page.getByTestId('graph')).not.toHaveAttribute('data-version', read ?? '', { timeout: 15_000 })
	await other.getByRole('button', { name: 'Tidy up' }).click()
	await expect(other.getByText('Not saved: This workflow was changed in another tab or window.')).toBeVisible({
		timeout: 15_000,
	})
	// It now holds the saved version, so its next save goes through.
	const saved = await page.getByTestId('graph').getAttribute('data-version')
	await expect(other.getByTestId('graph')).toHaveAttribute('data-version', saved ?? '')
	await other.getByRole('button', { name: 'Tidy up' }).click()
	await expect(other.getByTestId('graph')).not.toHaveAttribute('data-version', saved ?? '', { timeout: 15_000 })
	await expect(other.getByText('Drag from an output')).toBeVisible()
	await other.close()
	expect(problems).toEqual([])
})
