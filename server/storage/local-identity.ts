/**
 * Several processes (on Postgres) must share one media directory, or a file written by one is a 404 on the others:
 * the directory carries a random identity (`.media-id`), the first process records it in the database, and a
 * process whose directory has another identity refuses to start, saying what to set (`assertSharedMedia`).
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '#server/config.ts'

const MEDIA_ID_FILE = '.media-id'
const MEDIA_ID_SETTING = 'local_media_id'

/**
 * The directory's identity: a random id written into it once (`.media-id`). Processes that see the same id share
 * the same files, whatever path each one mounts them at.
 */
export async function mediaIdentity(root: string): Promise<string> {
	await mkdir(root, { recursive: true })
	const file = join(root, MEDIA_ID_FILE)
	try {
		await writeFile(file, `${randomUUID()}\n`, { flag: 'wx' })
	} catch (error) {
		// Already there (written by an earlier start, or by a process starting beside this one): keep it.
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
	}
	return (await readFile(file, 'utf8')).trim()
}

/** Facts every process of a deployment agrees on: `claim` stores the value unless one is there, and returns it. */
export type DeploymentSettings = { claim(key: string, value: string): Promise<string> }

/**
 * Refuses to start a process whose local media directory is not the one the deployment's other processes use
 * (they share a database, so they must share the files it points at). The first process to start records its
 * directory's identity; the rest must present the same one.
 */
export async function assertSharedMedia(
	storage: { root: string; identity(): Promise<string> },
	settings: DeploymentSettings,
): Promise<void> {
	const mine = await storage.identity()
	const expected = await settings.claim(MEDIA_ID_SETTING, mine)
	if (expected === mine) return
	throw new ConfigError([
		`MEDIA_DIR (${storage.root}) is not the media directory the other processes on this database use, so media ` +
			'they stored would be "not found" here. Either mount one shared volume in every process and set MEDIA_DIR ' +
			'to it, or set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY to keep media in Supabase Storage ' +
			`(docs/operations.md). If this directory is the shared one, moved or restored, write ${expected} into ` +
			`${join(storage.root, MEDIA_ID_FILE)}.`,
	])
}
