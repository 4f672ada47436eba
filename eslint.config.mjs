/**
 * ESLint 9, flat configuration: the recommended rule sets of eslint, react, react-hooks, jsx-a11y, import and
 * typescript-eslint — what the Remix v2 template enabled, without the deprecated `@remix-run/eslint-config` —
 * plus the house rules below. Prettier owns formatting: `prettier`, last, turns the style rules off.
 *
 * typescript-eslint is on its maintained major (8: TypeScript up to 6.0, ESLint 8.57 to 10, Node 20.9+), pinned.
 */
import js from '@eslint/js'
import prettier from 'eslint-config-prettier/flat'
import importPlugin from 'eslint-plugin-import'
import jsxA11y from 'eslint-plugin-jsx-a11y'
import react from 'eslint-plugin-react'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

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
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })

export default tseslint.config(
	{
		ignores: ['build/', 'public/build/', 'data/', 'tests/.tmp/', 'test-results/', 'playwright-report/'],
	},
	{
		linterOptions: { reportUnusedDisableDirectives: 'off' },
		languageOptions: {
			ecmaVersion: 'latest',
			sourceType: 'module',
			parserOptions: { ecmaFeatures: { jsx: true } },
			globals: { ...globals.browser, ...globals.commonjs, ...globals.es2015, ...globals.node },
		},
	},
	js.configs.recommended,
	{ files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
	{
		files: ['**/*.{js,jsx,ts,tsx}'],
		extends: [
			react.configs.flat.recommended,
			react.configs.flat['jsx-runtime'],
			reactHooks.configs['recommended-latest'],
			jsxA11y.flatConfigs.recommended,
		],
		settings: {
			react: { version: 'detect' },
			formComponents: ['Form'],
			linkComponents: [
				{ name: 'Link', linkAttribute: 'to' },
				{ name: 'NavLink', linkAttribute: 'to' },
			],
		},
		rules: {
			// Generated images, video and audio have no caption track to offer; their prompt is shown beside them.
			'jsx-a11y/media-has-caption': 'off',
			// A label may wrap the search field component (its input is inside it).
			'jsx-a11y/label-has-associated-control': ['error', { controlComponents: ['SearchInput'] }],
		},
	},
	{
		files: ['**/*.{ts,tsx}'],
		extends: [tseslint.configs.recommended, importPlugin.flatConfigs.recommended, importPlugin.flatConfigs.typescript],
		settings: {
			'import/internal-regex': '^#(app|server|tests)/',
			// Node's resolution first: a CommonJS package (express, winston) is read as it runs, one default export;
			// the TypeScript resolver finds what only types declare.
			'import/resolver': {
				node: { extensions: ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs', '.cjs'] },
				typescript: { alwaysTryTypes: true },
			},
		},
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
	{ rules: { 'no-console': 'error' } },
	// Imports point one way: routes (app/) -> server/domain -> db, providers, storage, jobs, limits -> config,
	// logger. A type or schema both sides need lives on the lower side (docs/architecture.md).
	{ files: ['app/**'], rules: restrict(TESTS, ICONS) },
	{ files: ['server/**', 'server.ts'], rules: restrict(TESTS, APP) },
	{ files: ['server/domain/**'], rules: restrict(TESTS, APP, COMPOSITION) },
	{
		files: [
			'server/{auth,db,jobs,limits,markdown,media,providers,storage}/**',
			'server/{config,logger,sleep,uuid,lifecycle,telemetry,telemetry-handle}.ts',
		],
		rules: restrict(TESTS, APP, COMPOSITION, DOMAIN),
	},
	{ files: ['tests/**', 'scripts/**', '*.config.*'], rules: { 'no-console': 'off' } },
	prettier,
)
