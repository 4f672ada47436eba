/**
 * Model output is untrusted: it is rendered to HTML here, on the server, and the browser only ever receives
 * the result. Two independent lines of defence:
 *   1. markdown-it with `html: false` (raw HTML in the text is escaped, never parsed), links limited to
 *      http(s) and mailto, images turned into plain links (no tracking pixels, nothing for the CSP to block);
 *   2. sanitize-html over the output with an allow-list of the tags, attributes and classes the first step
 *      produces, so a bug or a future option in step 1 cannot smuggle markup through.
 * Code blocks are highlighted with highlight.js; Mermaid blocks stay readable source until the browser's lazy
 * renderer draws them (app/components/mermaid.tsx).
 */
import hljs from 'highlight.js/lib/common'
import MarkdownIt from 'markdown-it'
import sanitizeHtml from 'sanitize-html'

export type MarkdownRenderer = {
	/** Safe HTML for a message body. Pure: the same markdown always gives the same HTML. */
	render(markdown: string): string
}

export type MarkdownOptions = {
	/** Rendered bodies kept in memory (keyed by their text), so a long conversation re-renders cheaply. */
	cacheEntries?: number
	/** Bodies longer than this are rendered every time rather than cached. */
	cacheMaxChars?: number
}

export const LINK_REL = 'noopener noreferrer nofollow'
const SAFE_URL = /^(https?:\/\/|mailto:)/i
/** Highlighting is linear but not free; past this a block is shown plain. */
const MAX_HIGHLIGHT_CHARS = 50_000

export function isSafeUrl(url: string): boolean {
	return SAFE_URL.test(url.trim())
}

function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function languageOf(info: string): string {
	const name = info.trim().split(/\s+/)[0] ?? ''
	// A class name and a label, so only word-ish characters survive.
	return name
		.replace(/[^\w#+.-]/g, '')
		.slice(0, 30)
		.toLowerCase()
}

function highlight(code: string, language: string): string {
	if (language && code.length <= MAX_HIGHLIGHT_CHARS && hljs.getLanguage(language)) {
		try {
			return hljs.highlight(code, { language, ignoreIllegals: true }).value
		} catch {
			// fall through to plain text
		}
	}
	return escapeHtml(code)
}

function codeBlock(code: string, language: string): string {
	if (language === 'mermaid') {
		// The source is the fallback: without JavaScript (or if the diagram is invalid) it stays readable.
		return (
			'<div class="mermaid-block" data-mermaid="">' +
			`<pre class="code-pre"><code class="language-mermaid">${escapeHtml(code)}</code></pre></div>\n`
		)
	}
	const label = language
		? `<span class="code-block-lang">${escapeHtml(language)}</span>`
		: '<span class="code-block-lang">text</span>'
	const langClass = language ? ` language-${language}` : ''
	return (
		'<div class="code-block" data-code-block="">' +
		`<div class="code-block-bar">${label}<button type="button" class="code-copy" data-copy="" hidden="">Copy</button></div>` +
		`<pre class="code-pre"><code class="hljs${langClass}">${highlight(code, language)}</code></pre></div>\n`
	)
}

function createMarkdownIt(): MarkdownIt {
	const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false })
	// markdown-it has already decoded entities and normalised the URL when it asks.
	md.validateLink = url => isSafeUrl(url)

	const rules = md.renderer.rules
	rules.link_open = (tokens, idx, options, _env, self) => {
		const token = tokens[idx]
		if (token) {
			token.attrSet('rel', LINK_REL)
			token.attrSet('target', '_blank')
		}
		return self.renderToken(tokens, idx, options)
	}
	// An image in a reply becomes a link to it: loading it would tell a third party who read the reply.
	rules.image = (tokens, idx) => {
		const token = tokens[idx]
		const src = token?.attrGet('src') ?? ''
		const alt = token?.content || 'image'
		if (!isSafeUrl(src)) return escapeHtml(alt)
		return `<a href="${escapeHtml(src)}" rel="${LINK_REL}" target="_blank">${escapeHtml(`Image: ${alt}`)}</a>`
	}
	rules.fence = (tokens, idx) => {
		const token = tokens[idx]
		return token ? codeBlock(token.content, languageOf(token.info)) : ''
	}
	rules.code_block = (tokens, idx) => {
		const token = tokens[idx]
		return token ? codeBlock(token.content, '') : ''
	}
	return md
}

// `allowedEmptyAttributes` is in sanitize-html 2.17 but not yet in its type definitions.
const SANITIZE: sanitizeHtml.IOptions & { allowedEmptyAttributes: string[] } = {
	allowedTags: [
		'p',
		'br',
		'hr',
		'h1',
		'h2',
		'h3',
		'h4',
		'h5',
		'h6',
		'blockquote',
		'ul',
		'ol',
		'li',
		'strong',
		'em',
		's',
		'del',
		'sup',
		'sub',
		'code',
		'pre',
		'a',
		'table',
		'thead',
		'tbody',
		'tr',
		'th',
		'td',
		'div',
		'span',
		'button',
	],
	allowedAttributes: {
		a: ['href', 'rel', 'target', 'title'],
		ol: ['start'],
		th: ['style'],
		td: ['style'],
		div: ['data-mermaid', 'data-code-block'],
		button: ['type', 'data-copy', 'hidden'],
	},
	allowedClasses: {
		code: ['hljs', 'language-*'],
		pre: ['code-pre'],
		// highlight.js scopes: `hljs-title function_`, `hljs-meta prompt_`.
		span: ['hljs-*', /^[a-z]+_+$/, 'code-block-lang'],
		div: ['code-block', 'code-block-bar', 'mermaid-block'],
		button: ['code-copy'],
	},
	// Table alignment is the only style markdown-it writes.
	allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
	allowedSchemes: ['http', 'https', 'mailto'],
	allowedSchemesAppliedToAttributes: ['href'],
	allowProtocolRelative: false,
	// The copy button stays hidden until the page's script can make it work.
	allowedEmptyAttributes: ['hidden'],
	disallowedTagsMode: 'discard',
	transformTags: {
		a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL, target: '_blank' } }),
	},
}

export function createMarkdownRenderer(options: MarkdownOptions = {}): MarkdownRenderer {
	const md = createMarkdownIt()
	const maxEntries = options.cacheEntries ?? 2000
	const maxChars = options.cacheMaxChars ?? 100_000
	const cache = new Map<string, string>()

	function renderUncached(markdown: string): string {
		return sanitizeHtml(md.render(markdown), SANITIZE)
	}

	return {
		render(markdown) {
			if (markdown.length > maxChars) return renderUncached(markdown)
			const hit = cache.get(markdown)
			if (hit !== undefined) {
				// Refresh its place: the Map keeps insertion order, so the oldest entry is the least recently used.
				cache.delete(markdown)
				cache.set(markdown, hit)
				return hit
			}
			const html = renderUncached(markdown)
			cache.set(markdown, html)
			if (cache.size > maxEntries) {
				const oldest = cache.keys().next().value
				if (oldest !== undefined) cache.delete(oldest)
			}
			return html
		},
	}
}
