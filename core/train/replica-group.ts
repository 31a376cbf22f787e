/**
 * The replicas a training run computes on: one in this thread, or one per worker thread (data
 * parallel: each worker runs its own tfjs backend on a contiguous shard of every batch, and the
 * shards' gradients are summed in shard order). Both look the same to the trainer.
 */
import { BugError } from '../shared/errors';

import { evaluateBatch } from './evaluate-batch';
import { TrainingReplica } from './replica';
import { TrainingPool } from './training-pool';

import type { ParameterLayout } from './parameter-layout';
import type { ReplicaSpec, ShardInput, ShardStats } from './replica-spec';
import type { EvaluateBatchInput } from './evaluate-batch';
import type { EvaluateResult } from './worker-protocol';

export interface ReplicaGroup {
  /** Shards per batch (1 in this thread, else the worker count). */
  readonly shards: number;
  readonly layout: ParameterLayout;
  readonly tokensPerSelector: number[];
  readonly backend: string;
  /** The replicas' current (identical) parameters, read from the first replica. */
  initialParameters(): Promise<Float32Array>;
  /** New parameters for every replica (taken before the next step). */
  setParameters(flat: Float32Array): void;
  setTeacher(flat: Float32Array): Promise<void>;
  /** Runs one shard per replica; returns each shard's stats and the summed gradient. */
  step(shards: readonly ShardInput[]): Promise<{ stats: ShardStats[]; gradients: Float32Array }>;
  evaluate(parts: readonly EvaluateBatchInput[]): Promise<EvaluateResult[]>;
  close(): Promise<void>;
}

class LocalGroup implements ReplicaGroup {
  readonly shards = 1;
  private readonly gradients: Float32Array;
  private pending: Float32Array | null = null;

  constructor(
    private readonly replica: TrainingReplica,
    readonly backend: string,
  ) {
    this.gradients = new Float32Array(replica.layout.size);
  }

  get layout(): ParameterLayout {
    return this.replica.layout;
  }

  get tokensPerSelector(): number[] {
    return this.replica.tokensPerSelector;
  }

  async initialParameters(): Promise<Float32Array> {
    return this.replica.getParameters();
  }

  setParameters(flat: Float32Array): void {
    this.pending = flat;
  }

  private flush(): void {
    if (this.pending === null) return;
    this.replica.setParameters(this.pending);
    this.pending = null;
  }

  async setTeacher(flat: Float32Array): Promise<void> {
    this.replica.setTeacher(flat);
  }

  async step(shards: readonly ShardInput[]): Promise<{ stats: ShardStats[]; gradients: Float32Array }> {
    // One replica sees the whole batch: its batch statistics are already global.
    if (shards.length !== 1) throw new BugError(`A local replica takes one shard per step, got ${shards.length}.`);
    this.flush();
    const stats = [this.replica.computeShard(shards[0] as ShardInput, this.gradients)];
    return { stats, gradients: this.gradients };
  }

  async evaluate(parts: readonly EvaluateBatchInput[]): Promise<EvaluateResult[]> {
    this.flush();
    return parts.map((part) => evaluateBatch(this.replica, part));
  }

  async close(): Promise<void> {
    this.replica.dispose();
  }
}

export interface ReplicaGroupOptions {
  spec: ReplicaSpec;
  /** 0: compute in this thread; n >= 1: n worker threads. */
  workers: number;
  /** Backend of this thread (local) or of the workers; the name tfjs reports. */
  backend: string;
}

export async function createReplicaGroup(options: ReplicaGroupOptions): Promise<ReplicaGroup> {
  if (options.workers <= 0) return new LocalGroup(new TrainingReplica(options.spec), options.backend);
  return TrainingPool.start({ spec: options.spec, workers: options.workers, backend: options.backend });
}
