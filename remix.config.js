/** @type {import('@remix-run/dev').AppConfig} */
module.exports = {
	ignoredRouteFiles: ['**/.*', '**/*.test.{ts,tsx}'],
	serverModuleFormat: 'cjs',
	// Only the icons the app uses: required whole, lucide-react's CommonJS build (and, with source maps on, its 8 MB
	// source map) stays in the server's memory for nothing (docs/decisions/009-embedded-database-memory.md).
	serverDependenciesToBundle: [/^lucide-react/],
	serverBuildPath: 'build/remix/index.js',
	assetsBuildDirectory: 'public/build',
	publicPath: '/build/',
	tailwind: true,
	future: {
		v3_fetcherPersist: true,
		v3_relativeSplatPath: true,
		v3_throwAbortReason: true,
		v3_singleFetch: true,
		v3_lazyRouteDiscovery: true,
	},
}
