/**
 * `npm run build:web` / `npm run dev:web`: the renderer for browsers, served by `spvit serve`.
 *
 * For live reloading against a running backend:
 *   node bin/spvit.js serve --port 4173 --allow-origin http://localhost:5173
 *   SPVIT_BACKEND=http://127.0.0.1:4173 npm run dev:web
 * then open http://localhost:5173/?token=<the token serve printed>.
 */
import { defineConfig } from 'vite';

import { rendererSetup } from './vite.shared';

import type { RendererTarget } from './vite.shared';

const target: RendererTarget = process.env.VITE_TARGET === 'electron' ? 'electron' : 'web';
const backend = process.env.SPVIT_BACKEND;

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs work both behind `spvit serve` and from file:// in Electron.
  base: './',
  ...rendererSetup(target),
  server: {
    port: 5173,
    strictPort: true,
    // The page's socket goes to its own origin's /api; the dev server passes it on to the backend.
    ...(backend === undefined ? {} : { proxy: { '/api': { target: backend, ws: true } } }),
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
