/**
 * Single Fetch's type inference (remix.config.js turns on `v3_singleFetch`): loaders and actions return plain
 * objects, or `data(value, { status, headers })` when they need a status or headers, and `useLoaderData<typeof
 * loader>()` keeps their server types (Dates stay Dates, promises stream). Resource routes (`api.*`) answer with
 * `Response.json()`.
 */
declare module '@remix-run/server-runtime' {
	interface Future {
		v3_singleFetch: true
	}
}

export {}
