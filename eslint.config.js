import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Code in src/ imports another folder only through that folder's index.js. */
const FOLDER_FACE_PATTERNS = [
  {
    regex: '^(\\.\\./)+(?![^/.][^/]*/([^/.][^/]*/)*index\\.js$)[^/.][^/]*/',
    message: "Import another folder through its index.js (add the export there if it belongs to the folder's public face).",
  },
  {
    regex: '^\\./(?!([^/.][^/]*/)+index\\.js$)[^/.][^/]*/',
    message: 'Import a subfolder through its index.js.',
  },
];

/** One folder per command, named as the command. */
const COMMAND_FOLDERS = ['sync', 'verify', 'prune', 'doctor', 'nginx', 'publish', 'bundle', 'audit', 'catalog'];

const COMMAND_PATTERN = {
  regex: `^(\\.\\./)+(${COMMAND_FOLDERS.join('|')})/`,
  message: 'A command does not import another command: move what both need into a shared folder (see docs/architecture.md).',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'test/fixtures/**/*.go', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // bench/*.mjs: plain JavaScript run by node itself (no TypeScript loader in what it times).
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['bench/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
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
      'no-restricted-imports': ['error', { patterns: FOLDER_FACE_PATTERNS }],
    },
  },
  {
    // A command folder uses building blocks and mirror/, never another
    // command (docs/architecture.md): what two commands share gets a folder of
    // its own (project/, client-config/). The rule repeats the index.js
    // patterns because a later block's rule replaces an earlier one's.
    // Dynamic import() is not covered: sync, prune and bundle import load
    // catalog/ lazily to refresh the catalog after changing the tree.
    files: [`src/{${COMMAND_FOLDERS.join(',')}}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [...FOLDER_FACE_PATTERNS, COMMAND_PATTERN] }] },
  },
  {
    // cli/commands/ are the thin files of the cli folder itself.
    files: ['src/cli/commands/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./){2,}(?![^/.][^/]*/([^/.][^/]*/)*index\\.js$)[^/.][^/]*/', message: 'Import another folder through its index.js.' }] }] },
  },
);
