/**
 * A BatchReducer for worker threads: each shard writes its partial sums into shared memory, waits at
 * a barrier (Atomics.wait, allowed in worker threads), then adds all shards' values in shard order.
 * The coordinator can break the barrier (a failed or cancelled step) so no worker waits forever.
 */
import { StudioError } from '../shared/errors';

import type { BatchReducer } from './batch-reducer';

/** Control words: [generation, arrived, broken]. */
const CONTROL_WORDS = 3;
const GENERATION = 0;
const ARRIVED = 1;
const BROKEN = 2;
/** Most values one reduction may carry (selectors + a few counts). */
export const REDUCER_WIDTH = 64;
const WAIT_SLICE_MS = 200;

export interface SharedReducerBuffers {
  control: SharedArrayBuffer;
  values: SharedArrayBuffer;
  shards: number;
}

export function createReducerBuffers(shards: number): SharedReducerBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT),
    // Two halves by generation parity: a fast shard may enter the next reduction while others still read.
    values: new SharedArrayBuffer(2 * shards * REDUCER_WIDTH * Float64Array.BYTES_PER_ELEMENT),
    shards,
  };
}

/** Makes every waiting (and future) reduction throw; used when a step fails or is cancelled. */
export function breakReducer(buffers: SharedReducerBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, BROKEN, 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
}

/** Re-arms the barrier before the next step (coordinator only, while no worker is inside it). */
export function resetReducer(buffers: SharedReducerBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, ARRIVED, 0);
  Atomics.store(control, BROKEN, 0);
}

export function sharedReducer(buffers: SharedReducerBuffers, shard: number): BatchReducer {
  const control = new Int32Array(buffers.control);
  const values = new Float64Array(buffers.values);
  const broken = (): StudioError => new StudioError('cancelled', 'The training step was stopped while the shards exchanged batch statistics.');
  return {
    sum(local) {
      if (local.length > REDUCER_WIDTH) throw new StudioError('internal/bug', `A batch reduction carries at most ${REDUCER_WIDTH} values, got ${local.length}.`);
      if (Atomics.load(control, BROKEN) === 1) throw broken();
      const generation = Atomics.load(control, GENERATION);
      const half = (generation & 1) * buffers.shards * REDUCER_WIDTH;
      values.set(local, half + shard * REDUCER_WIDTH);
      if (Atomics.add(control, ARRIVED, 1) === buffers.shards - 1) {
        Atomics.store(control, ARRIVED, 0);
        Atomics.add(control, GENERATION, 1);
        Atomics.notify(control, GENERATION);
      } else {
        while (Atomics.load(control, GENERATION) === generation) Atomics.wait(control, GENERATION, generation, WAIT_SLICE_MS);
      }
      if (Atomics.load(control, BROKEN) === 1) throw broken();
      const total = new Float64Array(local.length);
      for (let s = 0; s < buffers.shards; s += 1) {
        for (let i = 0; i < local.length; i += 1) total[i] = (total[i] as number) + (values[half + s * REDUCER_WIDTH + i] as number);
      }
      return total;
    },
  };
}
