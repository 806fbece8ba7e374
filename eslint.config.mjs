// Lint for the orchestrator, its tests and bench (TypeScript), and the in-container Node.js runtime (JavaScript).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import globals from 'globals';

// One import style for Node's own modules: `node:fs`, never `fs`.
const bareBuiltins = builtinModules.filter((m) => !m.startsWith('_') && !m.includes('/'));
const nodeProtocol = {
  'no-restricted-imports': ['error', { paths: bareBuiltins.map((name) => ({ name, message: `import 'node:${name}' instead` })) }],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '**/.orchestrator/**',
      'test/fixtures/**',
      'test/**/fixtures/**',
      'test/example/functions/**',
      'bench/fixtures/**',
      'examples/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      ...nodeProtocol,
      // Parts wired through callbacks are declared before they are assigned (read in a closure, later).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The tests of the in-container runtimes load its untyped JavaScript modules.
    files: ['test/unit/runtime-node/**/*.ts', 'test/unit/runtime-python/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
  {
    // Rooms one reader can hold.
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 300 }] },
  },
  {
    files: ['images/**/*.js', 'images/**/*.cjs', '*.js', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      // The runtime takes Node's MessageChannel from node:worker_threads explicitly.
      'no-redeclare': ['error', { builtinGlobals: false }],
      ...nodeProtocol,
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['images/**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
);
