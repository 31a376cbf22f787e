/** Messages between a ForwardPool and its worker threads (structured clone; buffers transferred). */
import type { SerializedError } from '../../shared/errors';
import type { ModelSpec } from '../architecture';

export interface WorkerInit {
  kind: 'init';
  spec: ModelSpec;
  /** Seed of the random weights when no weights file is given. */
  seed: number;
  weightsFile: string | null;
  backend: string | null;
}

export interface WorkerForward {
  kind: 'forward';
  id: number;
  shape: number[];
  data: Float32Array;
}

export type ToWorker = WorkerInit | WorkerForward;

export type FromWorker =
  | { kind: 'ready'; backend: string }
  | { kind: 'result'; id: number; shape: number[]; data: Float32Array }
  | { kind: 'error'; id: number | null; error: SerializedError };
