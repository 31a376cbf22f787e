/**
 * `npm run build` / `npm run dev`: the Electron app. Main runs as ESM; the sandboxed preload must
 * be one CommonJS file with nothing loaded at run time; the renderer is the same Svelte app the
 * browser gets, built with VITE_TARGET = 'electron' (it then talks over window.studio).
 */
import { fileURLToPath } from 'node:url';

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

import { rendererSetup } from './renderer/vite.shared';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const renderer = rendererSetup('electron');

export default defineConfig({
  main: {
    build: {
      outDir: fromRoot('./out/main'),
      rolldownOptions: { input: { index: fromRoot('./electron/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: fromRoot('./out/preload'),
      // Sandboxed preloads cannot require packages: bundle everything but electron itself.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: fromRoot('./electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: fromRoot('./renderer'),
    base: './',
    define: renderer.define,
    // electron-vite's config bundler fills in import.meta.url but not import.meta.dirname, so the
    // Svelte config is named here rather than through rendererSetup's plugin.
    plugins: [svelte({ configFile: fromRoot('./renderer/svelte.config.js') })],
    build: {
      outDir: fromRoot('./out/renderer'),
      target: 'es2022',
      rolldownOptions: { input: { index: fromRoot('./renderer/index.html') } },
    },
  },
});
