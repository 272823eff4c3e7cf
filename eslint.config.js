import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
	{ ignores: ['build/**', 'app/generated/**', 'node_modules/**', '.data/**'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: { globals: { ...globals.node, ...globals.browser } },
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			'@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
			'no-restricted-imports': [
				'error',
				{ patterns: [{ group: ['**/routes/*'], message: 'Domain modules never import routes.' }] },
			],
		},
	},
	{
		// Bodies are read by app/utils/request-body.server.ts only: it bounds their size and
		// answers a wrong or broken body with 413/415/400 instead of a 500.
		files: ['app/**/*.{ts,tsx}'],
		ignores: ['app/utils/request-body.server.ts'],
		rules: {
			'no-restricted-syntax': [
				'error',
				{
					selector: "CallExpression[callee.property.name='formData']",
					message: 'Use readForm(request) from #app/utils/request-body.server.ts: it limits the body size and answers bad bodies with 4xx.',
				},
				{
					selector: "CallExpression[callee.object.name='request'][callee.property.name=/^(text|json|arrayBuffer|blob|bytes)$/]",
					message: 'Use readText/readForm from #app/utils/request-body.server.ts: they limit the body size and answer bad bodies with 4xx.',
				},
			],
		},
	},
	{
		files: ['app/**/*.tsx'],
		plugins: { 'react-hooks': reactHooks },
		rules: reactHooks.configs.recommended.rules,
	},
	{
		files: ['tests/**'],
		rules: { 'no-restricted-imports': 'off' },
	},
)
