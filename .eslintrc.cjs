/** @type {import('eslint').Linter.Config} */
module.exports = {
	root: true,
	extends: ['@remix-run/eslint-config', '@remix-run/eslint-config/node', 'prettier'],
	rules: {
		'@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
		'@typescript-eslint/no-explicit-any': 'error',
		'no-console': 'error',
		'import/no-duplicates': ['error', { 'prefer-inline': false }],
	},
	overrides: [
		{
			files: ['tests/**', 'scripts/**', '*.config.*'],
			rules: { 'no-console': 'off' },
		},
	],
	ignorePatterns: ['build', 'public/build', 'node_modules', 'data', 'tests/.tmp', 'test-results', 'playwright-report'],
}
