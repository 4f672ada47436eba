import type { LoadContext } from '#server/load-context.ts'

// Every loader and action receives the services built once at start-up, the request's CSP nonce and its id.
declare module '@remix-run/server-runtime' {
	// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- module augmentation needs an interface
	interface AppLoadContext extends LoadContext {}
}
declare module '@remix-run/node' {
	// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- module augmentation needs an interface
	interface AppLoadContext extends LoadContext {}
}
