/** Messages between the LiteRT runner and its worker thread. */

export interface WireTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export type ToLiteRtWorker = { kind: 'run'; id: number; model: Uint8Array; inputs: WireTensor[] };

export type FromLiteRtWorker =
  | { kind: 'ready'; version: string }
  | { kind: 'init-failed'; message: string }
  | { kind: 'result'; id: number; outputs: (WireTensor & { name: string })[]; log: string[] }
  | { kind: 'failed'; id: number; message: string; log: string[] };
