/**
 * Every page of the product, for the checks that walk them all (accessibility, screenshots). `seed` makes one
 * of each thing a signed-in person would have — a chat and an image, a video and an audio generation — through
 * the same forms a person uses, so the pages show real content.
 */
import type { APIRequestContext } from '@playwright/test'
import { waitFor } from '#tests/support/wait.ts'

export type PageCase = { name: string; path: string }

export const PUBLIC_PAGES: readonly PageCase[] = [
	{ name: 'landing', path: '/' },
	{ name: 'login', path: '/login' },
	{ name: 'signup', path: '/signup' },
	{ name: 'not-found', path: '/no-such-page' },
]

export type Seeded = {
	chatId: string
	generationId: string
	audioProjectId: string
	transcriptId: string
	workflowId: string
	workflowRunId: string
}

export function signedInPages(seeded: Seeded): PageCase[] {
	return [
		{ name: 'home', path: '/' },
		{ name: 'chat-new', path: '/chat' },
		{ name: 'chat-thread', path: `/chat/${seeded.chatId}` },
		{ name: 'images', path: '/images' },
		{ name: 'video', path: '/video' },
		{ name: 'audio', path: '/audio' },
		{ name: 'audio-transcribe', path: '/audio/transcribe' },
		{ name: 'audio-transcript', path: `/audio/transcripts/${seeded.transcriptId}` },
		{ name: 'audio-sounds', path: '/audio/sounds?q=welcome' },
		{ name: 'audio-projects', path: '/audio/projects' },
		{ name: 'audio-project', path: `/audio/projects/${seeded.audioProjectId}` },
		{ name: 'generation', path: `/generations/${seeded.generationId}` },
		{ name: 'editor', path: `/generations/${seeded.generationId}/edit` },
		{ name: 'library', path: '/library' },
		{ name: 'workflows', path: '/workflows' },
		{ name: 'workflow-editor', path: `/workflows/${seeded.workflowId}` },
		{ name: 'workflow-run', path: `/workflows/${seeded.workflowId}/runs/${seeded.workflowRunId}` },
		{ name: 'analytics', path: '/analytics' },
		{ name: 'analytics-30d', path: '/analytics?range=30d' },
		{ name: 'analytics-empty', path: '/analytics?range=custom&from=2026-01-01&to=2026-01-31' },
		{ name: 'analytics-invalid', path: '/analytics?range=custom&from=2026-05-01&to=2026-01-31' },
		{ name: 'settings', path: '/settings' },
		{ name: 'settings-sessions', path: '/settings/sessions' },
		{ name: 'settings-tokens', path: '/settings/tokens' },
		{ name: 'settings-account', path: '/settings/account' },
		{ name: 'admin-users', path: '/admin/users' },
		{ name: 'admin-models', path: '/admin/models' },
		{ name: 'admin-status', path: '/admin/status' },
		{ name: 'admin-audit', path: '/admin/audit' },
	]
}

function idFrom(location: string | undefined, prefix: string): string {
	const match = new RegExp(`${prefix}/([0-9a-f-]{36})`).exec(location ?? '')
	if (!match?.[1]) throw new Error(`expected a redirect to ${prefix}/:id, got ${location ?? 'nothing'}`)
	return match[1]
}

/** Signs up (the request context keeps the cookie) and creates a chat and one generation of each kind. */
export async function seed(request: APIRequestContext, baseURL: string, email: string): Promise<Seeded> {
	const headers = { Origin: baseURL }
	const post = async (path: string, form: Record<string, string>) => {
		const response = await request.post(path, { form, headers, maxRedirects: 0 })
		if (response.status() !== 303) throw new Error(`POST ${path}: ${response.status()} ${await response.text()}`)
		return response.headers().location
	}
	await post('/signup', { name: 'Ada Lovelace', email, password: 'correct horse battery staple', website: '' })
	const chat = await post('/chat?index', {
		intent: 'new',
		mode: 'wait',
		content: 'Write a haiku about lighthouses, then explain it in a short table.',
	})
	const chatId = idFrom(chat, '/chat')
	await post(`/chat/${chatId}`, {
		intent: 'send',
		mode: 'wait',
		content: 'Now give me a short code example in TypeScript.',
	})
	await post('/video', { prompt: 'Slow waves rolling onto a pebble beach', idempotencyKey: crypto.randomUUID() })
	const speech = await post('/audio', {
		prompt: 'Welcome to the studio.',
		mode: 'speech',
		idempotencyKey: crypto.randomUUID(),
	})
	const image = await post('/images', {
		prompt: 'A lighthouse on a cliff at dawn, watercolour',
		size: '1024x1024',
		n: '1',
		idempotencyKey: crypto.randomUUID(),
	})
	const audioProjectId = await audioProject(idFrom(speech, '/generations'))
	// A transcript of the spoken sound, picked from the library as a person would.
	const transcribed = await request.post('/audio/transcribe', {
		multipart: { generationId: idFrom(speech, '/generations'), language: 'en' },
		headers,
		maxRedirects: 0,
	})
	if (transcribed.status() !== 303) throw new Error(`transcribe: ${transcribed.status()} ${await transcribed.text()}`)
	const transcriptId = idFrom(transcribed.headers().location, '/audio/transcripts')
	await waitFor(
		'the transcript to finish',
		async () =>
			(await (await request.get(`/audio/transcripts/${transcriptId}`)).text()).includes(
				'data-transcript-status="succeeded"',
			),
		{ timeoutMs: 30_000, intervalMs: 250 },
	)
	const generationId = idFrom(image, '/generations')
	// The editor opens finished images only.
	await finished(generationId)
	// A workflow from the first template, run to the end.
	const workflowId = idFrom(await post('/workflows?index', { intent: 'template', template: 'blog-post' }), '/workflows')
	const workflowRunId = idFrom(
		await post(`/workflows/${workflowId}`, { intent: 'run' }),
		`/workflows/${workflowId}/runs`,
	)
	await waitFor(
		'the workflow run to finish',
		async () =>
			/data-run-status="(succeeded|failed|canceled)"/.test(
				await (await request.get(`/workflows/${workflowId}/runs/${workflowRunId}`)).text(),
			),
		{ timeoutMs: 60_000, intervalMs: 250 },
	)
	return { chatId, generationId, audioProjectId, transcriptId, workflowId, workflowRunId }

	async function finished(id: string): Promise<void> {
		await waitFor(
			`generation ${id} to succeed`,
			async () => {
				const body = (await (await request.get(`/api/generations/${id}`)).json()) as {
					generation?: { status: string }
				}
				return body.generation?.status === 'succeeded'
			},
			{ timeoutMs: 30_000, intervalMs: 250 },
		)
	}

	/** A project with the spoken sound on two tracks, imported as a file once the sound is done. */
	async function audioProject(soundId: string): Promise<string> {
		await finished(soundId)
		const clip = (id: string, start: number, trimOut: number) => ({
			id,
			generationId: soundId,
			output: 0,
			start,
			trimIn: 0,
			trimOut,
			gain: 1,
		})
		const track = (id: string, name: string, clips: unknown[]) => ({
			id,
			name,
			gain: 1,
			mute: false,
			solo: false,
			clips,
		})
		const file = {
			format: 'generation-studio.audio-project',
			name: 'Studio intro',
			document: {
				version: 1,
				tracks: [track('voice', 'Voice', [clip('a', 0, 0.9)]), track('echo', 'Echo', [clip('b', 0.6, 0.9)])],
			},
		}
		const response = await request.post('/audio/projects?index', {
			multipart: {
				intent: 'import',
				file: { name: 'project.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) },
			},
			headers,
			maxRedirects: 0,
		})
		if (response.status() !== 303) throw new Error(`import: ${response.status()} ${await response.text()}`)
		return idFrom(response.headers().location, '/audio/projects')
	}
}
