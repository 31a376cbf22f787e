// Read by vite-plugin-svelte (through vite.shared.ts) and by svelte-check.
export default {
  compilerOptions: {
    // Runes only: a component written with legacy syntax fails to compile.
    runes: true,
  },
};
