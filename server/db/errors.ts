/** Postgres error codes the domain reacts to, read the same way from both drivers' errors. */

export const PG_ERROR = {
	uniqueViolation: '23505',
	foreignKeyViolation: '23503',
	checkViolation: '23514',
	notNullViolation: '23502',
	insufficientPrivilege: '42501',
	deadlockDetected: '40P01',
	duplicateTable: '42P07',
	duplicateSchema: '42P06',
} as const

export function dbErrorCode(error: unknown): string | undefined {
	if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
	const code = (error as { code: unknown }).code
	return typeof code === 'string' ? code : undefined
}

export const isUniqueViolation = (error: unknown) => dbErrorCode(error) === PG_ERROR.uniqueViolation
export const isForeignKeyViolation = (error: unknown) => dbErrorCode(error) === PG_ERROR.foreignKeyViolation
export const isCheckViolation = (error: unknown) => dbErrorCode(error) === PG_ERROR.checkViolation

/**
 * The database could not be reached, or dropped the connection mid-request (a restart, a failover, a
 * terminated backend). Nothing is wrong with the request: it may be tried again once the database is back,
 * so HTTP answers 503 and a job is retried.
 */
export class DatabaseUnavailableError extends Error {
	constructor(message = 'The database is unavailable', options?: { cause?: unknown }) {
		super(message, options)
		this.name = 'DatabaseUnavailableError'
	}
}

/** SQLSTATEs of a lost or refused connection: class 08, the shutdown family of 57P, too many connections. */
const CONNECTION_SQLSTATE = /^(08...|57P01|57P02|57P03|53300)$/
const CONNECTION_ERRNO = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN',
])
/** node-postgres reports a dropped socket or a full pool in words only. */
const CONNECTION_MESSAGE =
	/Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended unexpectedly|not queryable/i

/** True for an error that says the database is out of reach rather than that the statement was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
	if (error instanceof DatabaseUnavailableError) return true
	if (typeof error !== 'object' || error === null) return false
	const code = dbErrorCode(error)
	if (code && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true
	if (error instanceof AggregateError && error.errors.some(isDatabaseUnavailable)) return true
	return error instanceof Error && CONNECTION_MESSAGE.test(error.message)
}

/** Turns a connection failure into a DatabaseUnavailableError (keeping the original as its cause); other errors pass. */
export function asUnavailable(error: unknown): unknown {
	if (error instanceof DatabaseUnavailableError || !isDatabaseUnavailable(error)) return error
	return new DatabaseUnavailableError(
		`The database is unavailable (${error instanceof Error ? error.message : String(error)})`,
		{ cause: error },
	)
}
