// Lint: import boundaries between layers (the compiler checks them first, see the per-folder
// tsconfigs), promise hygiene, and a few style rules from docs/style.md.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto', 'worker_threads'];

function forbid(patterns, message) {
  return patterns.map((group) => ({ group: [group], message }));
}

// Do not relax. Exceptions go in a per-file list with an issue link; the list may only shrink.
const LAYER_ZONES = [
  { target: './core', from: ['./devices', './electron', './renderer', './test'], message: 'core/ is the engine: no devices, hosts, UI or tests.' },
  { target: './core/shared', from: ['./core/api', './core/models', './core/tensor', './core/spvit', './core/train', './core/data', './core/latency', './core/export', './core/pipeline'], message: 'core/shared is pure and stands alone.' },
  { target: './core/api', from: ['./core/models', './core/tensor', './core/spvit', './core/train', './core/data', './core/latency', './core/export', './core/pipeline'], message: 'core/api is the contract: only core/shared and zod.' },
  { target: './devices', from: ['./electron', './renderer', './test'], message: 'devices/ must not import hosts, UI or tests.' },
  { target: './electron/backend', from: ['./electron/main', './electron/preload', './renderer'], message: 'The backend never imports Electron or the UI.' },
  { target: './renderer', from: ['./electron', './devices', './core/models', './core/tensor', './core/spvit', './core/train', './core/data', './core/export', './core/pipeline', './test'], message: 'The renderer talks to the backend only through core/api.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'renderer/dist/', '.tsbuild/', 'docs/', 'build/', 'test-results/', 'runs/', '.scratch/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.svelte', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES }],
      'import-x/no-cycle': ['error', { maxDepth: 6 }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'multi-line'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      'max-params': ['warn', 4],
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(describe|it|test)$/][callee.property.name=/^(only|skip)$/]", message: 'No .only or .skip in commits.' },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid(['electron', 'electron/*', 'd3', 'd3-*', 'svelte', 'svelte/*'], 'core/ runs in Node and workers: no Electron, DOM or UI libraries.') }],
    },
  },
  {
    files: ['core/shared/**/*.ts', 'core/api/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid([...NODE_BUILTINS, 'electron', '@tensorflow/*', 'ws'], 'core/shared and core/api run anywhere: no node:*, tfjs or Electron.') }],
    },
  },
  {
    files: ['devices/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid(['electron', 'electron/*', 'svelte', 'd3'], 'devices/ is Node only: no Electron or UI.') }],
    },
  },
  {
    files: ['electron/backend/**/*.ts', 'electron/cli/**/*.ts', 'electron/server.ts', 'electron/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid(['electron', 'electron/*'], 'The backend and its hosts run without Electron.') }],
      'no-console': 'off',
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid([...NODE_BUILTINS, 'electron', '@tensorflow/*', 'serialport', '@yume-chan/*', 'ws'], 'The renderer runs in a browser and reaches the backend only through core/api.') }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['scripts/**', 'bin/**', 'test/**', '**/*.test.ts', '**/*.contract.ts', '*.config.ts', '*.config.js'],
    rules: { 'no-console': 'off', 'max-lines': 'off' },
  },
  prettier,
);
