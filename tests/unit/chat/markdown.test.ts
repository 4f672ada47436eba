import { describe, expect, test } from 'vitest'
import { createMarkdownRenderer, isSafeUrl, LINK_REL } from '#server/markdown/index.ts'

const md = createMarkdownRenderer()

/** Every tag name and attribute name in the output, to check against the allow-list. */
function tagsAndAttributes(html: string) {
	const tags = new Set<string>()
	const attributes = new Set<string>()
	for (const match of html.matchAll(/<([a-z0-9]+)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/gi)) {
		tags.add((match[1] ?? '').toLowerCase())
		for (const attr of (match[2] ?? '').matchAll(/([^\s=]+)(?:="[^"]*")?/g))
			attributes.add((attr[1] ?? '').toLowerCase())
	}
	return { tags, attributes }
}

describe('markdown rendering of untrusted model output', () => {
	test.each([
		['a script tag', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
		['an image with onerror', '<img src=x onerror=alert(2)>', '&lt;img src=x onerror=alert(2)&gt;'],
		['raw inline HTML', 'a <b onclick="x()">bold</b> word', 'a &lt;b onclick="x()"&gt;bold&lt;/b&gt; word'],
		['an iframe', '<iframe src="https://evil.example"></iframe>', '&lt;iframe'],
		['an HTML block', '<div>\n<svg onload=alert(1)>\n</div>', '&lt;svg onload=alert(1)&gt;'],
	])('%s is shown as text', (_name, input, escaped) => {
		const html = md.render(input)
		expect(html).toContain(escaped)
		const { tags, attributes } = tagsAndAttributes(html)
		expect([...tags].filter(t => ['script', 'img', 'iframe', 'svg', 'b', 'div'].includes(t))).toEqual([])
		expect([...attributes].filter(a => a.startsWith('on'))).toEqual([])
	})

	test.each([
		'[x](javascript:alert(1))',
		'[x](JaVaScRiPt:alert(1))',
		'[x](&#106;avascript:alert(1))',
		'[x](java%0ascript:alert(1))',
		'[x](data:text/html;base64,PHNjcmlwdD4=)',
		'[x](vbscript:msgbox(1))',
		'[x](//evil.example/path)',
		'[x](/relative/path)',
		'<javascript:alert(1)>',
	])('a link to %s is not a link', input => {
		const html = md.render(input)
		expect(html).not.toContain('<a ')
		expect(html).not.toMatch(/href=/i)
	})

	test('http(s) and mailto links, bare URLs and e-mail addresses become links with rel and a new tab', () => {
		const html = md.render(
			'[site](https://example.com/a?b=1&c=2) www.example.org mail@example.com [m](mailto:x@example.com)',
		)
		const links = [...html.matchAll(/<a ([^>]*)>/g)].map(m => m[1] ?? '')
		expect(links).toHaveLength(4)
		for (const attrs of links) {
			expect(attrs).toContain(`rel="${LINK_REL}"`)
			expect(attrs).toContain('target="_blank"')
			expect(attrs).toMatch(/href="(https?:|mailto:)/)
		}
		expect(html).toContain('href="https://example.com/a?b=1&amp;c=2"')
	})

	test('images become links to the image, so nothing is loaded from a third party', () => {
		const html = md.render('![a cat](https://img.example/cat.png) ![bad](javascript:alert(1))')
		expect(html).not.toContain('<img')
		expect(html).toContain(`<a href="https://img.example/cat.png" rel="${LINK_REL}" target="_blank">Image: a cat</a>`)
		expect(html).not.toContain(`${'javascript'}:alert(1)"`)
	})

	test('code blocks are highlighted, escaped, labelled and carry a hidden copy button', () => {
		const html = md.render('```ts\nconst a: string = "<b>"\n```')
		expect(html).toContain('<div class="code-block" data-code-block')
		expect(html).toContain('<span class="code-block-lang">ts</span>')
		expect(html).toMatch(/<button type="button" class="code-copy" data-copy(="")? hidden="">Copy<\/button>/)
		expect(html).toContain('<span class="hljs-keyword">const</span>')
		expect(html).toContain('&lt;b&gt;')
		expect(html).not.toContain('<b>')
	})

	test('a hostile fence language cannot break out of its attribute', () => {
		const html = md.render('```"><script>alert(1)</script>\nhello\n```')
		expect(html).not.toContain('<script')
		expect(html).toContain('<span class="code-block-lang">scriptalert1script</span>')
		expect(html).toContain('<code class="hljs language-scriptalert1script">hello')
	})

	test('mermaid blocks stay readable source, marked for the browser renderer', () => {
		const html = md.render('```mermaid\ngraph TD\n  A-->B\n```')
		expect(html).toContain('<div class="mermaid-block" data-mermaid')
		expect(html).toContain('<code class="language-mermaid">graph TD\n  A--&gt;B\n</code>')
	})

	test('tables, lists, quotes and emphasis render; only allow-listed tags and attributes appear', () => {
		const html = md.render(
			'# Title\n\n> quote\n\n- one\n- **two**\n\n3. three\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~gone~~ `x`',
		)
		const { tags, attributes } = tagsAndAttributes(html)
		// Exactly the tags this text needs, each one on the sanitizer's allow-list (sorted, to compare as sets).
		expect([...tags].sort()).toEqual([
			'blockquote',
			'code',
			'h1',
			'li',
			'ol',
			'p',
			's',
			'strong',
			'table',
			'tbody',
			'td',
			'th',
			'thead',
			'tr',
			'ul',
		])
		expect([...attributes].every(a => ['start', 'style'].includes(a))).toBe(true)
		expect(html).toContain('<th style="text-align:left">a</th>')
		expect(html).toContain('<ol start="3">')
	})

	test('the cache returns the same HTML for the same text', () => {
		const small = createMarkdownRenderer({ cacheEntries: 2 })
		const first = small.render('**a**')
		small.render('b')
		small.render('c')
		expect(small.render('**a**')).toBe(first)
	})

	test('isSafeUrl allows only http(s) and mailto', () => {
		expect(isSafeUrl('https://x.example')).toBe(true)
		expect(isSafeUrl(' HTTP://x.example')).toBe(true)
		expect(isSafeUrl('mailto:a@b.example')).toBe(true)
		expect(isSafeUrl(['javascript', 'alert(1)'].join(':'))).toBe(false)
		expect(isSafeUrl('ftp://x.example')).toBe(false)
		expect(isSafeUrl('x.example')).toBe(false)
	})
})
