/** `npm run build:web` / `npm run dev:web`: the renderer for browsers, served by `spvit serve`. */
import { defineConfig } from 'vite';

import { rendererSetup } from './vite.shared';

import type { RendererTarget } from './vite.shared';

const target: RendererTarget = process.env.VITE_TARGET === 'electron' ? 'electron' : 'web';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs work both behind `spvit serve` and from file:// in Electron.
  base: './',
  ...rendererSetup(target),
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
