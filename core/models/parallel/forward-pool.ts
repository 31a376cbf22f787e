/**
 * Data-parallel inference over worker threads, each with its own tfjs backend (wasm threads do not
 * work in Node 20). A batch is split into contiguous chunks, one per worker, and the logits are
 * concatenated in order.
 */
import { fromSerializedError, StudioError } from '../../shared/errors';
import { startTsWorker } from '../../tensor/ts-worker';

import type { Worker } from 'node:worker_threads';

import type { HostTensor } from '../../tensor/host-tensor';
import type { ModelSpec } from '../architecture';
import type { FromWorker, ToWorker } from './protocol';

export interface ForwardPoolOptions {
  spec: ModelSpec;
  workers: number;
  /** Seed of the random weights when no weights file is given (benchmarks). */
  seed?: number;
  weightsFile?: string;
  /** Backend name for every worker (as `--backend`); default: the automatic choice. */
  backend?: string;
}

interface Pending {
  resolve: (result: HostTensor) => void;
  reject: (error: unknown) => void;
}

class PoolWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: unknown = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (code !== 0) this.failAll(new StudioError('internal/bug', `A forward worker exited with code ${code}.`));
    });
  }

  private onMessage(message: FromWorker): void {
    if (message.kind === 'result') {
      this.pending.get(message.id)?.resolve({ shape: message.shape, data: message.data });
      this.pending.delete(message.id);
    } else if (message.kind === 'error') {
      const error = fromSerializedError(message.error);
      if (message.id === null) this.failAll(error);
      else {
        this.pending.get(message.id)?.reject(error);
        this.pending.delete(message.id);
      }
    }
  }

  private failAll(error: unknown): void {
    this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  forward(images: HostTensor): Promise<HostTensor> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    const data = images.data.slice();
    const message: ToWorker = { kind: 'forward', id, shape: images.shape, data };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message, [data.buffer]);
    });
  }
}

function startWorker(init: ToWorker): Promise<{ worker: Worker; backend: string }> {
  const worker = startTsWorker(new URL('./forward-worker.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker): void => {
      worker.off('error', reject);
      if (message.kind === 'ready') resolve({ worker, backend: message.backend });
      else if (message.kind === 'error') {
        void worker.terminate();
        reject(fromSerializedError(message.error));
      }
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(init);
  });
}

export class ForwardPool {
  private constructor(
    private readonly workers: PoolWorker[],
    /** The backend every worker runs. */
    readonly backend: string,
  ) {}

  static async start(options: ForwardPoolOptions): Promise<ForwardPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new StudioError('input/invalid', `A forward pool needs at least one worker, got ${options.workers}.`);
    }
    const init: ToWorker = {
      kind: 'init',
      spec: options.spec,
      seed: options.seed ?? 0,
      weightsFile: options.weightsFile ?? null,
      backend: options.backend ?? null,
    };
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => startWorker(init)));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.worker.terminate() : undefined)));
      throw failed.reason;
    }
    const ready = started.map((result) => (result as PromiseFulfilledResult<{ worker: Worker; backend: string }>).value);
    return new ForwardPool(ready.map(({ worker }) => new PoolWorker(worker)), ready[0]?.backend ?? 'unknown');
  }

  get size(): number {
    return this.workers.length;
  }

  /** NCHW images -> logits, the batch split across the workers in contiguous chunks. */
  async forward(images: HostTensor): Promise<HostTensor> {
    const [count, ...rest] = images.shape as [number, ...number[]];
    const perImage = images.data.length / count;
    const chunk = Math.ceil(count / this.workers.length);
    const jobs: Promise<HostTensor>[] = [];
    for (let start = 0, i = 0; start < count; start += chunk, i++) {
      const size = Math.min(chunk, count - start);
      const data = images.data.subarray(start * perImage, (start + size) * perImage);
      jobs.push((this.workers[i] as PoolWorker).forward({ shape: [size, ...rest], data }));
    }
    const parts = await Promise.all(jobs);
    const classes = parts[0]?.shape[1] ?? 0;
    const out = new Float32Array(count * classes);
    let offset = 0;
    for (const part of parts) {
      out.set(part.data, offset);
      offset += part.data.length;
    }
    return { shape: [count, classes], data: out };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((pool) => pool.worker.terminate()));
  }
}
