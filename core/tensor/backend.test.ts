import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { describeTensorBackend, initTensorBackend, parseBackendName } from './backend';

describe('initTensorBackend', () => {
  it('falls back from tfjs-node (not installable here) to wasm with SIMD by default', async () => {
    const name = await initTensorBackend();
    // tfjs-node is an optional accelerator; where it is installed the automatic choice is 'tensorflow'.
    expect(['tensorflow', 'wasm']).toContain(name);
    expect(tf.getBackend()).toBe(name);
    if (name === 'wasm') expect(await describeTensorBackend()).toEqual({ name: 'wasm', simd: true, threads: false });
  });

  it('honours an override, including the cpu backend', async () => {
    expect(await initTensorBackend({ backend: 'cpu' })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  });

  it('rejects unknown names and explains a missing tfjs-node', async () => {
    expect(() => parseBackendName('gpu')).toThrow(expect.objectContaining({ code: 'input/invalid' }));
    expect(parseBackendName('node')).toBe('tensorflow');
    let hasTfjsNode = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      // Expected on machines without libtensorflow.
      hasTfjsNode = false;
    }
    if (!hasTfjsNode) {
      await expect(initTensorBackend({ backend: 'tensorflow' })).rejects.toMatchObject({ code: 'env/missing-tool' });
    }
  });
});
