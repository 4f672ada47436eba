/**
 * The numbers and names the sign-in forms show, apart from the schemas: every page's form components need the
 * honeypot's name, not the validation library.
 */
// Kept equal to server/auth/password.ts (a browser bundle cannot import server code).
export const PASSWORD_MIN_LENGTH = 10
export const PASSWORD_MAX_LENGTH = 1000
export const HONEYPOT_FIELD = 'website'
