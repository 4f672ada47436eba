import { describe, expect, it } from 'vitest'
import { createFlowStorage, createSessionCookie } from '#server/auth/session.ts'
import { loadConfig } from '#server/config.ts'

const production = loadConfig(
	{
		NODE_ENV: 'production',
		SESSION_SECRET: `${'n'.repeat(40)},${'o'.repeat(40)}`,
		PUBLIC_URL: 'https://studio.example',
	},
	[],
)
const development = loadConfig({ NODE_ENV: 'development' }, [])

describe('the session cookie', () => {
	it('is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ in production, for the absolute lifetime', async () => {
		const header = await createSessionCookie(production).serialize('8f6c2f8e-1c7e-4c7e-9a0e-5d1f0b4a2b11')
		expect(header).toMatch(/^__Host-gs_session=/)
		expect(header).toMatch(/; Secure/)
		expect(header).toMatch(/; HttpOnly/)
		expect(header).toMatch(/; SameSite=Lax/)
		expect(header).toMatch(/; Path=\//)
		expect(header).not.toMatch(/; Domain=/i)
		expect(header).toContain(`Max-Age=${production.session.maxDays * 86_400}`)
	})

	it('drops the prefix and Secure on plain-http development', async () => {
		const header = await createSessionCookie(development).serialize('x')
		expect(header).toMatch(/^gs_session=/)
		expect(header).not.toMatch(/; Secure/)
		expect(header).toMatch(/; HttpOnly/)
	})

	it('is signed by the first secret and still read when signed by an older one (rotation)', async () => {
		const [newest = '', older = ''] = production.sessionSecrets
		const before = { ...production, sessionSecrets: [older] }
		const oldCookie = (await createSessionCookie(before).serialize('an-id')).split(';')[0] ?? ''
		expect(await createSessionCookie(production).parse(oldCookie)).toBe('an-id')
		const retired = { ...production, sessionSecrets: [newest] }
		expect(await createSessionCookie(retired).parse(oldCookie)).toBeNull()
	})

	it('keeps the OAuth flow cookie for ten minutes only', async () => {
		const storage = createFlowStorage(production)
		const header = await storage.commitSession(await storage.getSession())
		expect(header).toMatch(/^__Host-gs_flow=/)
		expect(header).toContain('Max-Age=600')
		expect(header).toMatch(/; Secure/)
	})
})
