import { describe, expect, it } from 'vitest';

import { jobsEvents, jobsMethods } from '../../../core/api/contracts/jobs';
import { createInMemoryTransport } from '../../../core/api/in-memory-transport';
import { serve } from '../../../core/api/server';
import { createStudioClient } from '../boot/studio-client';

import { DEMO_JOB, isJobActive, JobsFeed } from './jobs-feed';

import type { Job } from '../../../core/api/contracts/jobs';

const jobsContract = { methods: jobsMethods, events: jobsEvents } as const;

function job(runId: string, overrides: Partial<Job> = {}): Job {
  return {
    runId,
    kind: 'demo',
    title: `Job ${runId}`,
    state: 'running',
    progress: 0,
    message: 'starting',
    startedAt: '2026-01-01T10:00:00.000Z',
    endedAt: null,
    error: null,
    ...overrides,
  };
}

/**
 * A jobs backend the test scripts: `jobs.list` answers with `listed` once `releaseListing` is
 * called, so events can be sent while a listing is in flight.
 */
function setUp(listed: Job[]) {
  let releaseListing: () => void = () => undefined;
  const demoCalls: unknown[] = [];
  const cancelCalls: string[] = [];
  const backend = serve(jobsContract, {
    'jobs.list': () => new Promise((resolve) => {
      releaseListing = () => resolve({ jobs: listed });
    }),
    'jobs.cancel': async ({ runId }) => {
      cancelCalls.push(runId);
      return { cancelled: true };
    },
    'jobs.wait': async ({ runId }) => job(runId, { state: 'succeeded' }),
    'jobs.demo': async (params) => {
      demoCalls.push(params);
      return { runId: 'demo-1' };
    },
  });
  const shown: (readonly Job[])[] = [];
  const feed = new JobsFeed(createStudioClient(createInMemoryTransport(backend)), (jobs) => shown.push(jobs));
  return { backend, feed, shown, demoCalls, cancelCalls, release: () => releaseListing() };
}

describe('JobsFeed', () => {
  it('shows the listing newest first and follows jobs.changed events', async () => {
    const { backend, feed, shown, release } = setUp([
      job('old', { startedAt: '2026-01-01T09:00:00.000Z', state: 'succeeded', progress: 1 }),
      job('new', { startedAt: '2026-01-01T11:00:00.000Z' }),
    ]);
    const detach = feed.attach();
    const refreshed = feed.refresh();
    release();
    await refreshed;
    expect(feed.jobs.map((j) => j.runId)).toEqual(['new', 'old']);

    backend.emit('jobs.changed', job('new', { startedAt: '2026-01-01T11:00:00.000Z', progress: 0.5, message: 'half' }));
    expect(feed.jobs[0]).toMatchObject({ runId: 'new', progress: 0.5, message: 'half' });
    expect(shown).toHaveLength(2);

    detach();
    backend.emit('jobs.changed', job('new', { progress: 0.9 }));
    expect(feed.jobs[0]?.progress).toBe(0.5);
  });

  it('keeps an update that arrived while the listing was in flight over the stale listing', async () => {
    const { backend, feed, release } = setUp([job('a', { progress: 0.1 })]);
    feed.attach();
    const refreshed = feed.refresh();
    backend.emit('jobs.changed', job('a', { state: 'succeeded', progress: 1, endedAt: '2026-01-01T10:00:04.000Z' }));
    release();
    await refreshed;
    expect(feed.jobs).toHaveLength(1);
    expect(feed.jobs[0]).toMatchObject({ state: 'succeeded', progress: 1 });
    expect(isJobActive(feed.jobs[0]!)).toBe(false);
  });

  it('drops jobs the backend no longer lists (a restarted backend)', async () => {
    const { backend, feed, release } = setUp([]);
    feed.attach();
    backend.emit('jobs.changed', job('before-restart'));
    const refreshed = feed.refresh();
    release();
    await refreshed;
    expect(feed.jobs).toEqual([]);
  });

  it('starts the demo job with its fixed size and cancels by run id', async () => {
    const { feed, demoCalls, cancelCalls } = setUp([]);
    await expect(feed.startDemo()).resolves.toBe('demo-1');
    expect(demoCalls).toEqual([{ ...DEMO_JOB }]);
    await expect(feed.cancel('demo-1')).resolves.toBe(true);
    expect(cancelCalls).toEqual(['demo-1']);
  });
});
