/**
 * The renderer's build setup, shared by `vite.config.ts` (web) and electron.vite.config.ts
 * (electron): the Svelte plugin and the compile-time target the boot code picks its transport from.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';

import type { UserConfig } from 'vite';

export type RendererTarget = 'web' | 'electron';

export function rendererSetup(target: RendererTarget): Pick<UserConfig, 'plugins' | 'define'> {
  return {
    // Vite's config loader fills in import.meta.dirname (no node:path in the renderer's folder).
    plugins: [svelte({ configFile: `${import.meta.dirname}/svelte.config.js` })],
    define: { 'import.meta.env.VITE_TARGET': JSON.stringify(target) },
  };
}
