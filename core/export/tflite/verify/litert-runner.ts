/**
 * Runs exported .tflite files on the host with an independent TFLite runtime: LiteRT.js (the
 * TFLite interpreter and XNNPACK, compiled to wasm by Google, from the @litertjs/core package) in
 * a worker thread. Used by the tests to check the writer and by deploy to compare the exported
 * file with the studio's own forward pass.
 */
import { StudioError } from '../../../shared/errors';
import { startTsWorker } from '../../../tensor/ts-worker';

import type { Worker } from 'node:worker_threads';
import type { FromLiteRtWorker, ToLiteRtWorker, WireTensor } from './litert-protocol';

export type RuntimeTensor = WireTensor;

export interface LiteRtOutput extends RuntimeTensor {
  name: string;
}

interface Pending {
  resolve: (outputs: LiteRtOutput[]) => void;
  reject: (error: unknown) => void;
}

export class LiteRtRunner {
  readonly version: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  private constructor(worker: Worker, version: string) {
    this.#worker = worker;
    this.version = version;
    worker.on('message', (message: FromLiteRtWorker) => {
      if (message.kind !== 'result' && message.kind !== 'failed') return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.kind === 'result') pending.resolve(message.outputs);
      else {
        pending.reject(
          new StudioError('export/failed', `LiteRT could not run the model: ${message.message}`, {
            details: { log: message.log.slice(-40) },
            hint: 'The exported file is not a valid TFLite model for this runtime; see the runtime log in the details.',
          }),
        );
      }
    });
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', (code) => this.#failAll(new StudioError('internal/bug', `The LiteRT worker exited with code ${code}.`)));
  }

  /** Loads the runtime (about a second); fails with env/missing-tool when the package is absent. */
  static async start(): Promise<LiteRtRunner> {
    const worker = startTsWorker(new URL('./litert-worker.ts', import.meta.url));
    const first = await new Promise<FromLiteRtWorker>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    }).catch((error: unknown) => ({ kind: 'init-failed' as const, message: error instanceof Error ? error.message : String(error) }));
    if (first.kind !== 'ready') {
      await worker.terminate();
      throw new StudioError('env/missing-tool', `LiteRT.js could not be loaded: ${first.kind === 'init-failed' ? first.message : first.kind}`, {
        hint: 'Run `npm install` (the @litertjs/core package carries the TFLite runtime as wasm).',
      });
    }
    return new LiteRtRunner(worker, first.version);
  }

  /** Runs one inference; inputs in the model's input order. */
  run(model: Uint8Array, inputs: readonly RuntimeTensor[]): Promise<LiteRtOutput[]> {
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise<LiteRtOutput[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const message: ToLiteRtWorker = { kind: 'run', id, model, inputs: inputs.map((input) => ({ ...input })) };
      this.#worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }

  #failAll(error: unknown): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
