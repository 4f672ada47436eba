import { useHydrated } from './use-hydrated.ts'

/**
 * Tells the action how to answer. Without JavaScript it waits for the whole reply before redirecting (the page
 * that follows shows it); once the page's script runs, it redirects at once and the reply streams in.
 */
export function ModeInput() {
	return <ModeField hydrated={useHydrated()} />
}

/** The same field, for a list whose page reads `useHydrated()` once for all its rows. */
export function ModeField({ hydrated }: { hydrated: boolean }) {
	return <input type="hidden" name="mode" value={hydrated ? 'stream' : 'wait'} />
}
