/**
 * Typed storage errors. A refusal carries a message meant for the person who chose the file, and the HTTP
 * status a route should answer with; everything else is an internal failure.
 */

export class StorageError extends Error {
	constructor(
		message: string,
		readonly code: string,
		readonly status: number,
		options?: { cause?: unknown },
	) {
		super(message, options)
		this.name = 'StorageError'
	}
}

export type RefusalReason = 'too_large' | 'type_not_allowed' | 'empty' | 'type_mismatch'

/** The file itself is not acceptable; `message` tells the person what to do about it. */
export class UploadRefusedError extends StorageError {
	constructor(
		message: string,
		readonly reason: RefusalReason,
	) {
		super(message, reason, reason === 'too_large' ? 413 : reason === 'empty' ? 400 : 415)
		this.name = 'UploadRefusedError'
	}
}

export class StorageNotFoundError extends StorageError {
	constructor(message = 'That file does not exist (any more).') {
		super(message, 'not_found', 404)
		this.name = 'StorageNotFoundError'
	}
}

/** A key or user id that the server did not generate; never reaches the disk or the storage API. */
export class InvalidKeyError extends StorageError {
	constructor(what: string) {
		super(`Invalid storage ${what}.`, 'invalid_key', 400)
		this.name = 'InvalidKeyError'
	}
}

/** The storage service failed (disk, network, Supabase); the caller may retry later. */
export class StorageUnavailableError extends StorageError {
	constructor(message: string, cause?: unknown) {
		super(message, 'unavailable', 503, { cause })
		this.name = 'StorageUnavailableError'
	}
}
