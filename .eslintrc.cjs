/**
 * ESLint (legacy config, ESLint 8): the Remix v2 template's configuration — the recommended rule sets of
 * eslint, react, react-hooks, jsx-a11y, import and typescript-eslint — plus the house rules below. It replaces
 * the deprecated `@remix-run/eslint-config`. Prettier owns formatting: `prettier`, last in each list, turns
 * the style rules off.
 *
 * typescript-eslint is on its maintained major (8: TypeScript up to 6.0, ESLint 8.57 or 9, Node 20.9+), pinned;
 * version 5 stopped at TypeScript 5.1.
 */
const TESTS = { group: ['\\#tests/*', '**/tests/**'], message: 'Product code never imports test code.' }
const ICONS = {
	group: ['lucide-react', 'lucide-react/*'],
	message: 'Icons come from #app/components/icons/index.tsx (one SVG sprite, no icon JavaScript): add the name there.',
}
const APP = { group: ['\\#app/*', '**/app/**'], message: 'server/ never imports from app/: move what both need down.' }
const COMPOSITION = {
	group: [
		'\\#server/app.ts',
		'\\#server/services.ts',
		'\\#server/route-protection.ts',
		'\\#server/load-context.ts',
		'**/../app.ts',
		'**/../services.ts',
	],
	message: 'Only the pipeline and the routes see the assembled services; pass what a module needs in its deps.',
}
const DOMAIN = {
	group: ['\\#server/domain/*', '**/domain/**'],
	message: 'Infrastructure (db, providers, storage, jobs, limits) never imports the domain.',
}

/** @type {import('eslint').Linter.Config} */
module.exports = {
	root: true,
	parserOptions: { ecmaVersion: 'latest', sourceType: 'module', ecmaFeatures: { jsx: true } },
	env: { browser: true, commonjs: true, es6: true, node: true },
	ignorePatterns: [
		'!**/.server',
		'!**/.client',
		'build',
		'public/build',
		'node_modules',
		'data',
		'tests/.tmp',
		'test-results',
		'playwright-report',
	],
	extends: ['eslint:recommended', 'prettier'],
	overrides: [
		{
			files: ['**/*.{js,jsx,ts,tsx}'],
			plugins: ['react', 'jsx-a11y'],
			extends: [
				'plugin:react/recommended',
				'plugin:react/jsx-runtime',
				'plugin:react-hooks/recommended',
				'plugin:jsx-a11y/recommended',
				'prettier',
			],
			settings: {
				react: { version: 'detect' },
				formComponents: ['Form'],
				linkComponents: [
					{ name: 'Link', linkAttribute: 'to' },
					{ name: 'NavLink', linkAttribute: 'to' },
				],
				'import/resolver': { typescript: {} },
			},
			rules: {
				// Generated images, video and audio have no caption track to offer; their prompt is shown beside them.
				'jsx-a11y/media-has-caption': 'off',
			},
		},
		{
			files: ['**/*.{ts,tsx}'],
			plugins: ['@typescript-eslint', 'import'],
			parser: '@typescript-eslint/parser',
			settings: {
				'import/internal-regex': '^#(app|server|tests)/',
				'import/resolver': { node: { extensions: ['.ts', '.tsx'] }, typescript: { alwaysTryTypes: true } },
			},
			extends: [
				'plugin:@typescript-eslint/recommended',
				'plugin:import/recommended',
				'plugin:import/typescript',
				'prettier',
			],
			rules: {
				// As the Remix configuration had them: TypeScript checks what these would (undefined names), and
				// these patterns are deliberate here (no-op callbacks, `!` after a check the compiler cannot see).
				'no-undef': 'off',
				'@typescript-eslint/no-empty-function': 'off',
				'@typescript-eslint/no-non-null-assertion': 'off',
				'@typescript-eslint/no-unused-vars': ['error', { args: 'none', ignoreRestSiblings: true }],
				// TypeScript already refuses two exports of one name; this rule mistakes `export type *` for one.
				'import/export': 'off',
				'@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
				'@typescript-eslint/no-explicit-any': 'error',
				'import/no-duplicates': ['error', { 'prefer-inline': false }],
			},
		},
		// Imports point one way: routes (app/) -> server/domain -> db, providers, storage, jobs, limits -> config,
		// logger. A type or schema both sides need lives on the lower side (docs/architecture.md).
		{
			files: ['app/**'],
			rules: { 'no-restricted-imports': ['error', { patterns: [TESTS, ICONS] }] },
		},
		{
			files: ['server/**', 'server.ts'],
			rules: { 'no-restricted-imports': ['error', { patterns: [TESTS, APP] }] },
		},
		{
			files: ['server/domain/**'],
			rules: { 'no-restricted-imports': ['error', { patterns: [TESTS, APP, COMPOSITION] }] },
		},
		{
			files: [
				'server/{auth,db,jobs,limits,markdown,media,providers,storage}/**',
				'server/{config,logger,sleep,uuid,lifecycle,telemetry,telemetry-handle}.ts',
			],
			rules: { 'no-restricted-imports': ['error', { patterns: [TESTS, APP, COMPOSITION, DOMAIN] }] },
		},
		{
			files: ['tests/**', 'scripts/**', '*.config.*'],
			rules: { 'no-console': 'off' },
		},
	],
	rules: {
		'no-console': 'error',
	},
}
