import { describe, expect, it } from 'vitest';

import { pipelineExecutors } from './pipeline-executors';

import type { BackendDeps } from '../deps';

describe('pipelineExecutors', () => {
  it('runs every node kind of the example pipelines but device-bound ones without a phone hub', () => {
    const registry = pipelineExecutors({ tensorBackend: () => null } as unknown as BackendDeps);
    expect(registry.kinds()).toEqual(['backbone', 'dataset', 'evaluate', 'export', 'latency-table', 'train']);
  });
});
