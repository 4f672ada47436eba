/**
 * Mermaid diagrams in replies, drawn in the browser. The library is large, so it is imported only when a page
 * has a diagram on it; until then (and without JavaScript, or for a diagram that does not parse) the block
 * shows its source, which is readable on its own.
 *
 * Sandboxing, in two layers: mermaid runs with `securityLevel: 'strict'` (labels are escaped, click handlers
 * and links are off, the SVG goes through its DOMPurify pass), and the finished SVG is shown as an `<img>` of a
 * `blob:` URL — an image document runs no script and loads nothing, whatever the diagram says.
 *
 * The page's CSP allows no inline `<style>` elements (style-src 'self'), and mermaid writes its theme as one
 * while it measures the diagram. So for that one element we hand mermaid an inert stand-in, apply the CSS
 * through a constructed stylesheet (CSSOM is outside style-src) while it measures, and put the CSS inside the
 * SVG image, where the page's policy does not apply.
 */
import type { Mermaid } from 'mermaid'

const FONT = '"trebuchet ms", verdana, arial, sans-serif'
let loading: Promise<Mermaid> | null = null
let counter = 0
/** mermaid keeps global state; one diagram at a time. */
let queue: Promise<unknown> = Promise.resolve()

function loadMermaid(): Promise<Mermaid> {
	loading ??= import('mermaid').then(({ default: mermaid }) => {
		mermaid.initialize({
			startOnLoad: false,
			securityLevel: 'strict',
			theme: 'dark',
			fontFamily: FONT,
			htmlLabels: false,
			flowchart: { htmlLabels: false },
			suppressErrorRendering: true,
		})
		return mermaid
	})
	loading.catch(() => {
		loading = null
	})
	return loading
}

function escapeXmlText(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
}

/** Runs mermaid.render with its <style> element replaced (see the file comment); returns the CSS it wanted. */
async function renderWithoutInlineStyle(mermaid: Mermaid, id: string, source: string, host: HTMLElement) {
	const sheet = new CSSStyleSheet()
	let css = ''
	const createElement = document.createElement
	const restore = () => {
		document.createElement = createElement
	}
	document.createElement = function (this: Document, tagName: string, options?: ElementCreationOptions) {
		if (tagName.toLowerCase() !== 'style') return createElement.call(this, tagName, options)
		restore()
		const inert = createElement.call(this, 'gs-mermaid-style')
		Object.defineProperty(inert, 'innerHTML', {
			configurable: true,
			get: () => '',
			set: (value: string) => {
				css = value
				sheet.replaceSync(value)
			},
		})
		return inert
	} as typeof document.createElement
	document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]
	try {
		const { svg } = await mermaid.render(id, source, host)
		return { svg, css }
	} finally {
		restore()
		document.adoptedStyleSheets = document.adoptedStyleSheets.filter(s => s !== sheet)
	}
}

/** A standalone SVG file: well-formed XML, its own size, the theme CSS inside. */
function toSvgFile(svgMarkup: string, css: string): { xml: string; width: number; height: number } {
	// An inert document: nothing in it loads or runs.
	const parsed = new DOMParser().parseFromString(svgMarkup, 'text/html')
	const svg = parsed.querySelector('svg')
	if (!svg) throw new Error('mermaid produced no SVG')
	const box =
		svg
			.getAttribute('viewBox')
			?.split(/[\s,]+/)
			.map(Number) ?? []
	const width = Math.ceil(box[2] ?? 600)
	const height = Math.ceil(box[3] ?? 400)
	svg.setAttribute('width', String(width))
	svg.setAttribute('height', String(height))
	svg.removeAttribute('style')
	svg.querySelectorAll('gs-mermaid-style').forEach(node => node.remove())
	const xml = new XMLSerializer().serializeToString(svg)
	return { xml: xml.replace(/^(<svg[^>]*>)/, `$1<style>${escapeXmlText(css)}</style>`), width, height }
}

async function drawBlock(mermaid: Mermaid, block: HTMLElement): Promise<void> {
	const source = block.querySelector('code')?.textContent ?? ''
	if (!source.trim()) return
	const id = `gs-mermaid-${++counter}`
	const host = document.createElement('div')
	host.setAttribute('aria-hidden', 'true')
	// Off screen but laid out, so mermaid can measure text in the font its theme uses.
	host.style.cssText = `position:absolute;left:-10000px;top:0;width:900px;font-family:${FONT};font-size:16px`
	document.body.append(host)
	try {
		await mermaid.parse(source)
		const { svg, css } = await renderWithoutInlineStyle(mermaid, id, source, host)
		const file = toSvgFile(svg, css)
		const url = URL.createObjectURL(new Blob([file.xml], { type: 'image/svg+xml' }))
		const figure = document.createElement('figure')
		figure.className = 'mermaid-figure'
		const image = document.createElement('img')
		image.src = url
		image.width = file.width
		image.height = file.height
		image.alt = `Diagram: ${source.split('\n')[0]?.trim().slice(0, 80) ?? ''}`
		image.dataset.mermaidImage = ''
		figure.append(image)
		const pre = block.querySelector('pre')
		if (pre) {
			// The source stays one click away.
			const details = document.createElement('details')
			const summary = document.createElement('summary')
			summary.textContent = 'Diagram source'
			details.append(summary)
			pre.replaceWith(details)
			details.append(pre)
		}
		block.prepend(figure)
		block.dataset.mermaidState = 'drawn'
	} catch {
		block.dataset.mermaidState = 'invalid'
	} finally {
		host.remove()
	}
}

/** Draws every Mermaid block in `container` that has not been drawn yet. */
export function renderMermaidBlocks(container: HTMLElement): Promise<void> {
	const blocks = [...container.querySelectorAll<HTMLElement>('[data-mermaid]:not([data-mermaid-state])')]
	if (blocks.length === 0) return Promise.resolve()
	for (const block of blocks) block.dataset.mermaidState = 'pending'
	const run = queue.then(async () => {
		const mermaid = await loadMermaid()
		for (const block of blocks) if (block.isConnected) await drawBlock(mermaid, block)
	})
	queue = run.catch(() => undefined)
	return run.catch(() => {
		for (const block of blocks) block.dataset.mermaidState = 'invalid'
	})
}
