/**
 * Messages between the training coordinator and its worker threads. Parameters and gradients move
 * through SharedArrayBuffers (one parameter buffer, one gradient slot per worker); messages carry
 * only the shard and small results.
 */
import type { SerializedError } from '../shared/errors';
import type { SharedReducerBuffers } from './shared-reducer';
import type { ReplicaSpec, ShardInput, ShardStats } from './replica-spec';

export interface WorkerInit {
  kind: 'init';
  spec: ReplicaSpec;
  /** Tensor backend to start ('wasm', ...); null: the automatic choice. */
  backend: string | null;
  shard: number;
  reducer: SharedReducerBuffers;
  /** Float32 parameters, written by the coordinator before each step. */
  parameters: SharedArrayBuffer;
  /** This worker's Float32 gradient slot. */
  gradients: SharedArrayBuffer;
}

export interface WorkerStep {
  kind: 'step';
  id: number;
  /** Reload the parameter buffer first (it changed since the last step). */
  reload: boolean;
  shard: ShardInput;
}

export interface WorkerTeacher {
  kind: 'teacher';
  id: number;
  weights: Float32Array;
}

export interface WorkerEvaluate {
  kind: 'evaluate';
  id: number;
  reload: boolean;
  images: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  /** Dense: the backbone alone (SPViT replicas: the teacher pass of the student's weights). */
  pruned: boolean;
  mode: 'argmax' | 'topk' | 'stochastic';
  firstImage: number;
}

export type ToTrainWorker = WorkerInit | WorkerStep | WorkerTeacher | WorkerEvaluate;

export interface EvaluateResult {
  correct: number;
  images: number;
  /** Per selector: kept tokens summed over the images, and the tokens decided on. */
  keptSums: number[];
  decisionCounts: number[];
}

export type FromTrainWorker =
  | { kind: 'ready'; backend: string; layoutSize: number; tokensPerSelector: number[] }
  | { kind: 'stepped'; id: number; stats: ShardStats }
  | { kind: 'evaluated'; id: number; result: EvaluateResult }
  | { kind: 'done'; id: number }
  | { kind: 'error'; id: number | null; error: SerializedError };
