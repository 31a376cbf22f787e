/**
 * Worker threads that each hold a training replica with its own tfjs backend. Parameters go out
 * through one shared buffer, gradients come back through one shared slot per worker, and the
 * coordinator sums the slots in worker order.
 */
import { StudioError, fromSerializedError } from '../shared/errors';
import { startTsWorker } from '../tensor/ts-worker';

import { TrainingReplica } from './replica';
import { breakReducer, createReducerBuffers, resetReducer } from './shared-reducer';

import type { Worker } from 'node:worker_threads';

import type { EvaluateBatchInput } from './evaluate-batch';
import type { ParameterLayout } from './parameter-layout';
import type { ReplicaGroup } from './replica-group';
import type { ReplicaSpec, ShardInput, ShardStats } from './replica-spec';
import type { SharedReducerBuffers } from './shared-reducer';
import type { EvaluateResult, FromTrainWorker, ToTrainWorker } from './worker-protocol';

interface Pending {
  resolve: (message: FromTrainWorker) => void;
  reject: (error: unknown) => void;
}

class PoolMember {
  private readonly pending = new Map<number, Pending>();
  private failure: unknown = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: FromTrainWorker) => this.onMessage(message));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (code !== 0) this.failAll(new StudioError('internal/bug', `A training worker exited with code ${code}.`, { hint: 'See the log; the run can be resumed from its last checkpoint.' }));
    });
  }

  private onMessage(message: FromTrainWorker): void {
    if (message.kind === 'ready') return;
    if (message.kind === 'error' && message.id === null) {
      this.failAll(fromSerializedError(message.error));
      return;
    }
    if (message.id === null) return;
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.kind === 'error') pending?.reject(fromSerializedError(message.error));
    else pending?.resolve(message);
  }

  private failAll(error: unknown): void {
    this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  request(message: Exclude<ToTrainWorker, { kind: 'init' }>): Promise<FromTrainWorker> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }
}

function startMember(init: Extract<ToTrainWorker, { kind: 'init' }>): Promise<{ member: PoolMember; ready: Extract<FromTrainWorker, { kind: 'ready' }> }> {
  const worker = startTsWorker(new URL('./train-worker.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromTrainWorker): void => {
      worker.off('error', reject);
      if (message.kind === 'ready') resolve({ member: new PoolMember(worker), ready: message });
      else {
        void worker.terminate();
        reject(message.kind === 'error' ? fromSerializedError(message.error) : new StudioError('internal/bug', 'A training worker answered its init with something else.'));
      }
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(init);
  });
}

interface PoolParts {
  members: PoolMember[];
  reducer: SharedReducerBuffers;
  parameters: Float32Array;
  slots: Float32Array[];
  layout: ParameterLayout;
  tokensPerSelector: number[];
  backend: string;
}

export interface TrainingPoolOptions {
  spec: ReplicaSpec;
  workers: number;
  backend: string;
}

export class TrainingPool implements ReplicaGroup {
  private nextId = 0;
  private reload = true;

  private readonly members: PoolMember[];
  private readonly reducer: SharedReducerBuffers;
  private readonly parameters: Float32Array;
  private readonly slots: Float32Array[];
  readonly layout: ParameterLayout;
  readonly tokensPerSelector: number[];
  readonly backend: string;

  private constructor(parts: PoolParts) {
    this.members = parts.members;
    this.reducer = parts.reducer;
    this.parameters = parts.parameters;
    this.slots = parts.slots;
    this.layout = parts.layout;
    this.tokensPerSelector = parts.tokensPerSelector;
    this.backend = parts.backend;
  }

  static async start(options: TrainingPoolOptions): Promise<TrainingPool> {
    // A replica here gives the layout (and the initial weights every worker then loads).
    const probe = new TrainingReplica(options.spec);
    const layout = probe.layout;
    const initial = probe.getParameters();
    const tokensPerSelector = probe.tokensPerSelector;
    probe.dispose();
    const bytes = layout.size * Float32Array.BYTES_PER_ELEMENT;
    const parameterBuffer = new SharedArrayBuffer(bytes);
    const parameters = new Float32Array(parameterBuffer);
    parameters.set(initial);
    const reducer = createReducerBuffers(options.workers);
    const slotBuffers = Array.from({ length: options.workers }, () => new SharedArrayBuffer(bytes));
    const started = await Promise.allSettled(
      slotBuffers.map((gradients, shard) =>
        startMember({ kind: 'init', spec: options.spec, backend: options.backend, shard, reducer, parameters: parameterBuffer, gradients }),
      ),
    );
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.member.worker.terminate() : undefined)));
      throw failed.reason;
    }
    const ready = started.map((result) => (result as PromiseFulfilledResult<Awaited<ReturnType<typeof startMember>>>).value);
    const sizes = new Set(ready.map((item) => item.ready.layoutSize));
    if (sizes.size !== 1 || !sizes.has(layout.size)) throw new StudioError('internal/bug', 'Training workers built models of different sizes.');
    return new TrainingPool({
      members: ready.map((item) => item.member),
      reducer,
      parameters,
      slots: slotBuffers.map((buffer) => new Float32Array(buffer)),
      layout,
      tokensPerSelector,
      backend: ready[0]?.ready.backend ?? options.backend,
    });
  }

  get shards(): number {
    return this.members.length;
  }

  async initialParameters(): Promise<Float32Array> {
    return Float32Array.from(this.parameters);
  }

  setParameters(flat: Float32Array): void {
    this.parameters.set(flat);
    this.reload = true;
  }

  async setTeacher(flat: Float32Array): Promise<void> {
    await Promise.all(this.members.map((member) => member.request({ kind: 'teacher', id: this.nextId++, weights: flat })));
  }

  async step(shards: readonly ShardInput[]): Promise<{ stats: ShardStats[]; gradients: Float32Array }> {
    if (shards.length !== this.members.length) throw new StudioError('internal/bug', `${shards.length} shards for ${this.members.length} workers.`);
    const reload = this.reload;
    this.reload = false;
    resetReducer(this.reducer);
    let replies: FromTrainWorker[];
    try {
      replies = await Promise.all(this.members.map((member, i) => member.request({ kind: 'step', id: this.nextId++, reload, shard: shards[i] as ShardInput })));
    } catch (error) {
      breakReducer(this.reducer);
      throw error;
    }
    const gradients = Float32Array.from(this.slots[0] as Float32Array);
    for (let w = 1; w < this.slots.length; w += 1) {
      const slot = this.slots[w] as Float32Array;
      for (let i = 0; i < gradients.length; i += 1) gradients[i] = (gradients[i] as number) + (slot[i] as number);
    }
    return { stats: replies.map((reply) => (reply as Extract<FromTrainWorker, { kind: 'stepped' }>).stats), gradients };
  }

  async evaluate(parts: readonly EvaluateBatchInput[]): Promise<EvaluateResult[]> {
    const reload = this.reload;
    this.reload = false;
    const replies = await Promise.all(
      parts.map((part, i) => (this.members[i % this.members.length] as PoolMember).request({ kind: 'evaluate', id: this.nextId++, reload: reload && i < this.members.length, ...part })),
    );
    return replies.map((reply) => (reply as Extract<FromTrainWorker, { kind: 'evaluated' }>).result);
  }

  async close(): Promise<void> {
    breakReducer(this.reducer);
    await Promise.all(this.members.map((member) => member.worker.terminate()));
  }
}
