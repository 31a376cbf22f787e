/// <reference types="svelte" />

interface ImportMetaEnv {
  /** Which host the bundle was built for (vite.shared.ts defines it); picks the transport. */
  readonly VITE_TARGET: 'web' | 'electron';
  readonly DEV: boolean;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

/** Stylesheets imported for their side effect; Vite bundles them. */
declare module '*.css' {}
