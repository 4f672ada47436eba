/** Sentences the auth service and the settings pages both say (no imports: pages may use it in the browser). */

/** What became of the API tokens after a password change or signing out everywhere, for the page to say. */
export function tokensOutcome(revoked: number, kept: boolean): string {
	if (kept) return 'Your API tokens still work.'
	if (revoked === 0) return 'You had no API tokens to revoke.'
	return revoked === 1 ? 'Your API token was revoked.' : `Your ${revoked} API tokens were revoked.`
}
