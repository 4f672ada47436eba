import { useEffect, useState } from 'react'

/** False on the server and in the first client render, true once the page's script runs: forms pick their mode by it. */
export function useHydrated(): boolean {
	const [hydrated, setHydrated] = useState(false)
	useEffect(() => setHydrated(true), [])
	return hydrated
}
