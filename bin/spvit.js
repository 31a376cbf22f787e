#!/usr/bin/env node
// Entry point of the `spvit` command. The sources are TypeScript, loaded through tsx, so a
// checkout works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { startCli } = await import('../electron/cli/start.ts');
await startCli(process.argv.slice(2));
