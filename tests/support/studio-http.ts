/**
 * A signed-in person's requests to a running server, as the studio HTTP suites make them: a page (its status and
 * HTML), a form post the way a browser without JavaScript sends it (no redirect followed; a studio's form with a
 * fresh idempotency key), a JSON call, a generation's JSON, and waiting until a generation has finished. One place,
 * so every studio's suite speaks alike.
 */
import { as } from './http-auth.ts'
import type { SignedIn } from './http-auth.ts'
import type { RunningServer } from './server.ts'
import { waitFor } from './wait.ts'

export type GenerationJson = {
	id: string
	status: string
	parentId: string | null
	params: Record<string, unknown>
	outputs: Array<{ key: string; width?: number; height?: number; url: string }>
	error: string | null
}

const PENDING = ['queued', 'running', 'processing']

/** The id a form post's redirect points at (`/generations/:id`), or '' when it did not redirect. */
export const redirectId = (response: Response) => (response.headers.get('location') ?? '').split('/').at(-1) ?? ''

/** `server` is read on each call: suites start theirs in `beforeAll`. */
export function studioHttp(server: () => RunningServer, options: { finishMs?: number } = {}) {
	const url = (path: string) => `${server().url}${path}`
	const headers = (user: SignedIn, extra: Record<string, string> = {}) => as(user, server().url, extra)

	const page = async (user: SignedIn, path: string) => {
		const response = await fetch(url(path), { headers: headers(user) })
		return { status: response.status, html: await response.text() }
	}
	const post = (user: SignedIn, path: string, form: Record<string, string>) =>
		fetch(url(path), {
			method: 'POST',
			redirect: 'manual',
			headers: headers(user, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: new URLSearchParams(form).toString(),
		})
	/** A studio's form as its page sends it: with a fresh idempotency key, so each send is a new request. */
	const send = (user: SignedIn, path: string, form: Record<string, string>) =>
		post(user, path, { ...form, idempotencyKey: crypto.randomUUID() })
	const api = (user: SignedIn, path: string, body: unknown) =>
		fetch(url(path), {
			method: 'POST',
			headers: headers(user, { 'Content-Type': 'application/json' }),
			body: JSON.stringify(body),
		})
	const generation = async (user: SignedIn, id: string): Promise<GenerationJson> => {
		const response = await fetch(url(`/api/generations/${id}`), { headers: headers(user) })
		return ((await response.json()) as { generation: GenerationJson }).generation
	}
	const finished = (user: SignedIn, id: string): Promise<GenerationJson> =>
		waitFor(
			`generation ${id} to finish`,
			async () => {
				const g = await generation(user, id)
				return PENDING.includes(g.status) ? null : g
			},
			{ timeoutMs: options.finishMs ?? 30_000, intervalMs: 100 },
		)
	return { page, post, send, api, generation, finished }
}
