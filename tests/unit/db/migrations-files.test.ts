/** Migration files on disk: naming, pairing with rollbacks, and the errors a broken folder gives. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadMigrations } from '#server/db/migrate.ts'
import { dbErrorCode, isUniqueViolation } from '#server/db/errors.ts'
import { roleSettings } from '#server/db/common.ts'

let dir = ''
function folder(files: Record<string, string>) {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-migrations-'))
	for (const [name, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
		fs.writeFileSync(path.join(dir, name), text)
	}
	return dir
}
afterEach(() => {
	if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('loadMigrations', () => {
	it('reads the repository migrations in order, each with its rollback', () => {
		const migrations = loadMigrations()
		expect(migrations.map(m => m.version)).toEqual([...migrations.map(m => m.version)].sort())
		expect(new Set(migrations.map(m => m.version)).size).toBe(migrations.length)
		for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/)
	})

	it('refuses a migration without a rollback', () => {
		const d = folder({ 'migrations/20260101000000_a.sql': 'select 1;', 'rollbacks/.keep': '' })
		expect(() => loadMigrations(d)).toThrow(/has no rollback/)
	})

	it('refuses two files with one version (the second would never run)', () => {
		const d = folder({
			'migrations/20260101000000_a.sql': 'select 1;',
			'migrations/20260101000000_b.sql': 'select 2;',
			'rollbacks/20260101000000_a.sql': 'select 1;',
			'rollbacks/20260101000000_b.sql': 'select 2;',
		})
		expect(() => loadMigrations(d)).toThrow(/20260101000000_a\.sql and 20260101000000_b\.sql share the version/)
	})

	it('refuses a file that is not named like the Supabase CLI names migrations', () => {
		const d = folder({ 'migrations/add_things.sql': 'select 1;', 'rollbacks/add_things.sql': 'select 1;' })
		expect(() => loadMigrations(d)).toThrow(/YYYYMMDDHHMMSS_name\.sql/)
	})
})

describe('role settings', () => {
	it('builds the claims PostgREST sets, and only for UUIDs', () => {
		const id = '6f1c1a52-3f0e-4f7a-9a51-0b7f5d1e2c3a'
		expect(roleSettings({ role: 'authenticated', userId: id })).toEqual([
			'authenticated',
			JSON.stringify({ sub: id, role: 'authenticated' }),
		])
		expect(roleSettings({ role: 'anon' })).toEqual(['anon', '{"role":"anon"}'])
		expect(roleSettings({ role: 'privileged' })).toBeNull()
		expect(() => roleSettings({ role: 'authenticated', userId: 'admin' })).toThrow(/UUID/)
	})

	it('reads Postgres error codes from either driver', () => {
		expect(dbErrorCode({ code: '23505' })).toBe('23505')
		expect(isUniqueViolation(Object.assign(new Error('dup'), { code: '23505' }))).toBe(true)
		expect(dbErrorCode(new Error('plain'))).toBeUndefined()
		expect(dbErrorCode(null)).toBeUndefined()
	})
})
