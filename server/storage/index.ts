/**
 * Picks the storage backend from the configuration: Supabase Storage when `SUPABASE_URL` and the service-role
 * key are set, otherwise local disk under MEDIA_DIR (default `${DATA_DIR}/media`) with URLs signed by the session
 * secrets.
 */
import type { Config } from '#server/config.ts'
import { createLocalStorage, type LocalStorage } from './local.ts'
import { createSupabaseStorage, type SupabaseStorage } from './supabase.ts'

export type StorageConfig = Pick<Config, 'supabase' | 'mediaDir' | 'sessionSecrets'>

export function createStorage(config: StorageConfig): LocalStorage | SupabaseStorage {
	if (config.supabase) {
		return createSupabaseStorage({ url: config.supabase.url, serviceRoleKey: config.supabase.serviceRoleKey })
	}
	return createLocalStorage({ root: config.mediaDir, secrets: config.sessionSecrets })
}

export { assertSharedMedia, createLocalMediaHandler, createLocalStorage, LocalStorage } from './local.ts'
export type { DeploymentSettings } from './local.ts'
export { createSupabaseStorage, SupabaseStorage } from './supabase.ts'
export {
	InvalidKeyError,
	StorageError,
	StorageNotFoundError,
	StorageUnavailableError,
	UploadRefusedError,
} from './errors.ts'
export { DEFAULT_BUCKET_RULES, formatBytes, isKey, keyOwner, newKey } from './rules.ts'
export { sniff, type ContentKind, type Sniffed } from './sniff.ts'
export { windowedExpiry } from './url-expiry.ts'
export type * from './types.ts'
export { BUCKETS } from './types.ts'
