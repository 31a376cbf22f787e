/**
 * Worker thread that runs .tflite files with LiteRT.js (Google's TFLite runtime compiled to wasm,
 * shipped inside the @litertjs/core npm package) on its XNNPACK CPU path. LiteRT.js is written
 * for browsers: it loads its emscripten script with importScripts/<script>, so this worker gives it
 * an importScripts that evaluates the script as CommonJS. Those globals stay inside this thread.
 * Everything the runtime prints is captured: an `ERROR:` line fails the run (LiteRT.js returns
 * garbage rather than throwing when a node fails to prepare).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';

import type { FromLiteRtWorker, ToLiteRtWorker, WireTensor } from './litert-protocol';

const port = parentPort;
if (port === null) throw new Error('litert-worker.ts must run in a worker thread.');

let log: string[] = [];
const capture = (...parts: unknown[]): void => {
  log.push(parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' '));
};
Object.assign(console, { log: capture, info: capture, warn: capture, error: capture });

const globals = globalThis as unknown as Record<string, unknown>;
globals['self'] = globalThis;
globals['importScripts'] = (url: string): void => {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const wrapped = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${readFileSync(path, 'utf8')}\n})`, { filename: path }) as (
    ...args: unknown[]
  ) => void;
  const module = { exports: {} as unknown };
  wrapped(module.exports, createRequire(path), module, path, dirname(path));
  globals['ModuleFactory'] = module.exports;
};

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@litertjs/core/package.json'));
const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;

function post(message: FromLiteRtWorker): void {
  port!.postMessage(message);
}

const errorLines = (): string[] => log.filter((line) => /(^|\s)ERROR:|Failed to/i.test(line));

try {
  const litert = await import('@litertjs/core');
  await litert.loadLiteRt(`${join(packageDir, 'wasm')}/`);
  post({ kind: 'ready', version });
  port.on('message', (message: ToLiteRtWorker) => {
    void (async () => {
      log = [];
      const inputs: { delete(): void }[] = [];
      let model: Awaited<ReturnType<typeof litert.loadAndCompile>> | null = null;
      try {
        model = await litert.loadAndCompile(message.model, { accelerator: 'wasm' });
        const tensors = message.inputs.map((input) => new litert.Tensor(input.data, input.shape));
        inputs.push(...tensors);
        const details = model.getOutputDetails();
        const results = await model.run(tensors);
        const outputs = results.map((tensor, i): WireTensor & { name: string } => {
          const data = tensor.toTypedArray();
          const shape = Array.from(details[i]?.shape ?? []);
          tensor.delete();
          const copy = data instanceof Int32Array ? Int32Array.from(data) : Float32Array.from(data as Float32Array);
          return { name: details[i]?.name ?? `output_${i}`, shape, dtype: copy instanceof Int32Array ? 'int32' : 'float32', data: copy };
        });
        const errors = errorLines();
        if (errors.length > 0) post({ kind: 'failed', id: message.id, message: errors.join(' / '), log });
        else post({ kind: 'result', id: message.id, outputs, log });
      } catch (error) {
        post({ kind: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error), log });
      } finally {
        for (const tensor of inputs) tensor.delete();
        model?.delete();
      }
    })();
  });
} catch (error) {
  post({ kind: 'init-failed', message: `${error instanceof Error ? error.message : String(error)} ${errorLines().join(' / ')}`.trim() });
}
