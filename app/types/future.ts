/**
 * Single Fetch's type inference (remix.config.js turns on `v3_singleFetch`): loader and action data keep
 * their server types (Dates stay Dates in naked objects; `json()` bodies are still typed as JSON).
 */
declare module '@remix-run/server-runtime' {
	interface Future {
		v3_singleFetch: true
	}
}

export {}
