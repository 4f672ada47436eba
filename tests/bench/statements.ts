/**
 * What each rendered page asks the database: the app in this process on the embedded database, its Db wrapped to
 * count transactions (each is BEGIN, the role and claims, the statements, COMMIT on PGlite) and statements per
 * request, and print each statement's first line. Not a budget; the figures behind docs/decisions/016-render-speed.md.
 *
 *   npx tsx tests/bench/statements.ts        (after `npm run build`)
 */
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { createApp } from '#server/app.ts'
import type { Db, Tx } from '#server/db/index.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import { listenLocal } from '#tests/support/listen.ts'
import { startTestServices } from '#tests/support/services.ts'
import { importConversation } from './support.ts'

const require = createRequire(import.meta.url)
const build = require(path.resolve('build/remix/index.js')) as ServerBuild

type Seen = { transactions: string[]; statements: string[] }

/** Wraps the three doors of `db` in place (the domain holds this very object) to record what goes through them. */
function count(db: Db): Seen {
	const seen: Seen = { transactions: [], statements: [] }
	const wrapTx = (tx: Tx): Tx => ({
		query: (sql, params) => {
			seen.statements.push(sql.replace(/\s+/g, ' ').trim().slice(0, 110))
			return tx.query(sql, params)
		},
		executeSql: (sql, params) => {
			seen.statements.push(sql.replace(/\s+/g, ' ').trim().slice(0, 110))
			return tx.executeSql(sql, params)
		},
	})
	const door = <K extends 'asUser' | 'asAnon' | 'privileged'>(name: K) => {
		const original = db[name].bind(db) as (...args: unknown[]) => Promise<unknown>
		;(db as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
			seen.transactions.push(name)
			const fn = args.at(-1) as (tx: Tx) => Promise<unknown>
			return original(...args.slice(0, -1), (tx: Tx) => fn(wrapTx(tx)))
		}
	}
	door('asUser')
	door('asAnon')
	door('privileged')
	return seen
}

async function main() {
	const t = await startTestServices('pglite', {}, { workers: false })
	const server = createServer(createApp({ services: t.services, build, publicDir: path.resolve('public') }))
	const url = `http://127.0.0.1:${await listenLocal(server)}`
	try {
		const user = await signUp(url)
		const cookie = as(user, url).Cookie ?? ''
		const chatId = await importConversation({ url } as never, cookie, 20)
		const seen = count(t.services.db)
		for (const [label, page, headers] of [
			['/ (signed out, rendered)', '/', { Cookie: 'bench=1' }],
			['/library', '/library', { Cookie: cookie }],
			['/chat/:id (20)', `/chat/${chatId}`, { Cookie: cookie }],
		] as const) {
			await fetch(`${url}${page}`, { headers }).then(r => r.text())
			seen.transactions.length = 0
			seen.statements.length = 0
			const response = await fetch(`${url}${page}`, { headers })
			await response.text()
			process.stdout.write(
				`${label}: ${response.status}, ${seen.transactions.length} transactions (${seen.transactions.join(', ')}), ${seen.statements.length} statements\n` +
					seen.statements.map(s => `    ${s}\n`).join(''),
			)
		}
	} finally {
		await new Promise(resolve => server.close(resolve))
		await t.dispose()
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
		process.exit(1)
	},
)
