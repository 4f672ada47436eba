/**
 * The icon sprite: every icon the app names in app/components/icons/index.tsx (`export const X = icon('name')`), drawn from
 * lucide's icon data into one SVG file of `<symbol>`s. Pages point at it with `<use href>`, so icons cost no
 * JavaScript and the file is cached once for every page (docs/decisions/020-icon-sprite.md).
 *
 *   node scripts/build-icons.mjs           write app/components/icons/sprite.svg (run by `npm run build`)
 *   node scripts/build-icons.mjs --check   exit 1 when the sprite is not what the icon list makes
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const iconsDir = path.join(root, 'app/components/icons')
export const spriteFile = path.join(iconsDir, 'sprite.svg')

/** The names `icon('…')` is called with, in file order, once each. */
export function iconNames(source = readFileSync(path.join(iconsDir, 'index.tsx'), 'utf8')) {
	return [...new Set([...source.matchAll(/^export const \w+ = icon\('([a-z0-9-]+)'\)/gm)].map(m => m[1]))]
}

const escapeAttribute = value => String(value).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

/** One lucide icon's shapes, from the package's own data (`__iconData.node`: [tag, attributes] pairs). */
async function iconNode(name) {
	const lucideMain = createRequire(import.meta.url).resolve('lucide-react')
	const file = path.join(path.dirname(lucideMain), '..', 'esm', 'icons', `${name}.mjs`)
	let source
	try {
		source = readFileSync(file, 'utf8')
	} catch {
		throw new Error(`No lucide icon named "${name}" (looked for ${file})`)
	}
	// An old name is a re-export of the icon's current one.
	const alias = /export \{ default \} from '\.\/([a-z0-9-]+)\.mjs'/.exec(source)
	if (alias) return iconNode(alias[1])
	const module = await import(pathToFileURL(file).href)
	const data = module.__iconData ?? { node: module.__iconNode }
	if (!Array.isArray(data.node)) throw new Error(`lucide icon "${name}" has no shape data`)
	return data.node
}

export async function renderSprite(names = iconNames()) {
	const symbols = []
	for (const name of [...names].sort()) {
		const shapes = (await iconNode(name)).map(([tag, attributes]) => {
			const attrs = Object.entries(attributes)
				.filter(([key]) => key !== 'key')
				.map(([key, value]) => ` ${key}="${escapeAttribute(value)}"`)
				.join('')
			return `<${tag}${attrs}/>`
		})
		symbols.push(`<symbol id="${name}" viewBox="0 0 24 24">${shapes.join('')}</symbol>`)
	}
	return `<svg xmlns="http://www.w3.org/2000/svg">\n<!-- Made by scripts/build-icons.mjs from lucide (ISC licence); do not edit. -->\n<defs>\n${symbols.join('\n')}\n</defs>\n</svg>\n`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const sprite = await renderSprite()
	const current = (() => {
		try {
			return readFileSync(spriteFile, 'utf8')
		} catch {
			return ''
		}
	})()
	if (process.argv.includes('--check')) {
		if (current !== sprite) {
			process.stderr.write('app/components/icons/sprite.svg is out of date: run `node scripts/build-icons.mjs`\n')
			process.exit(1)
		}
	} else if (current !== sprite) {
		writeFileSync(spriteFile, sprite)
	}
}
