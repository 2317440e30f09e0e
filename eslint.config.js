import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'test/fixtures/**/*.go', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Every folder's index.ts is its public face: code in src/ imports another
    // folder only through that folder's index.js (top-level files such as
    // errors.ts are their own face).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(?![^/.][^/]*/([^/.][^/]*/)*index\\.js$)[^/.][^/]*/',
              message: "Import another folder through its index.js (add the export there if it belongs to the folder's public face).",
            },
            {
              regex: '^\\./(?!([^/.][^/]*/)+index\\.js$)[^/.][^/]*/',
              message: 'Import a subfolder through its index.js.',
            },
          ],
        },
      ],
    },
  },
  {
    // cli/commands/ are the thin files of the cli folder itself.
    files: ['src/cli/commands/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./){2,}(?![^/.][^/]*/([^/.][^/]*/)*index\\.js$)[^/.][^/]*/', message: 'Import another folder through its index.js.' }] }] },
  },
);
