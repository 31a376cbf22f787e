/**
 * Starts a worker thread whose entry is a TypeScript module. `execArgv: ['--import', 'tsx']` does
 * not register tsx inside Node 20 workers (the entry fails with ERR_UNKNOWN_FILE_EXTENSION), so a
 * tiny bootstrap registers tsx's ESM hooks in the worker first, then imports the entry.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { WorkerOptions } from 'node:worker_threads';

function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageDir = join(require.resolve('tsx/package.json'), '..');
  return pathToFileURL(join(packageDir, 'dist/esm/api/index.mjs')).href;
}

/** `entry` is the worker module's URL, e.g. new URL('./x-worker.ts', import.meta.url). */
export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const bootstrap = [
    `const { register } = await import(${JSON.stringify(tsxApiUrl())});`,
    'register();',
    `await import(${JSON.stringify(entry.href)});`,
  ].join('\n');
  const source = new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
  return new Worker(source, options);
}
