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
