// Bundles the server (server.ts + server/) and the telemetry entry into build/, leaving npm packages
// external so the OpenTelemetry hooks see them being required. The Remix app is built by scripts/build-remix.mjs.
import { build } from 'esbuild'

await build({
	entryPoints: { server: 'server.ts', telemetry: 'server/telemetry.ts' },
	outdir: 'build',
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	packages: 'external',
	sourcemap: true,
	logLevel: 'warning',
	// Modules written as ESM locate files next to themselves with import.meta.url; give the CJS bundle one.
	define: { 'import.meta.url': '__importMetaUrl' },
	banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
})
