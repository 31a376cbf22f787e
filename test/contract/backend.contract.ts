/** One contract suite, written once, run over every transport the studio's hosts use. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createClient } from '../../core/api/client';
import { contract } from '../../core/api/contract';
import { isStudioError } from '../../core/shared/errors';

import { TRANSPORT_CASES } from './transports';

import type { Client } from '../../core/api/client';
import type { Contract } from '../../core/api/contract';
import type { Job } from '../../core/api/contracts/jobs';
import type { HostedBackend } from './transports';

/** Resolves with the first `jobs.changed` event for `runId` that satisfies `predicate`. */
function jobEvent(client: Client<Contract>, runId: () => string, predicate: (job: Job) => boolean): Promise<Job> {
  return new Promise((resolve) => {
    const unsubscribe = client.on('jobs.changed', (job) => {
      if (job.runId === runId() && predicate(job)) {
        unsubscribe();
        resolve(job);
      }
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe.each(TRANSPORT_CASES)('backend contract over $name', (transportCase) => {
  let hosted: HostedBackend;
  let client: Client<Contract>;

  beforeEach(async () => {
    hosted = await transportCase.start();
    client = createClient(contract, hosted.transport, { validate: true });
  });

  afterEach(async () => {
    await hosted.close();
  });

  it('system.info names the studio and its host', async () => {
    const info = await client.api.system.info({});
    expect(info.name).toBe('spvit-studio');
    expect(info.host).toBe('test');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('system.echo returns the message unchanged, unicode and all', async () => {
    const message = 'héllo 👋 "quoted" \\ back\nslash';
    const reply = await client.api.system.echo({ message });
    expect(reply.message).toBe(message);
    expect(Number.isNaN(Date.parse(reply.receivedAt))).toBe(false);
  });

  it('answers schema-invalid params with input/invalid naming the field', async () => {
    const error = await rejection(client.call('system.echo', { message: 42 } as never));
    expect(isStudioError(error, 'input/invalid')).toBe(true);
    expect((error as Error).message).toContain('message');
    const details = (error as { details?: { issues?: { path: string[] }[] } }).details;
    expect(details?.issues?.[0]?.path).toEqual(['message']);
  });

  it('answers an unknown method with input/invalid', async () => {
    const reply = await hosted.transport.request('system.selfDestruct', {});
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('input/invalid');
    expect(reply.error.message).toContain("Unknown method 'system.selfDestruct'");
    expect(reply.error.hint).toBeTruthy();
  });

  it('runs a job: runId at once, progress events, jobs.wait with the final state', async () => {
    const progress: number[] = [];
    let runId = '';
    const unsubscribe = client.on('jobs.changed', (job) => {
      if (job.runId === runId && job.progress !== null) progress.push(job.progress);
    });
    const succeeded = jobEvent(client, () => runId, (job) => job.state === 'succeeded');
    runId = (await client.api.jobs.demo({ steps: 3, stepMs: 0 })).runId;
    const final = await client.api.jobs.wait({ runId });
    await succeeded;
    unsubscribe();
    expect(final.state).toBe('succeeded');
    expect(final.result).toEqual({ steps: 3 });
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const { jobs } = await client.api.jobs.list({});
    expect(jobs.map((job) => job.runId)).toContain(runId);
  });

  it('cancels a running job with jobs.cancel', async () => {
    let runId = '';
    const started = jobEvent(client, () => runId, (job) => job.progress !== null && job.progress > 0);
    runId = (await client.api.jobs.demo({ steps: 1000, stepMs: 20 })).runId;
    await started;
    expect(await client.api.jobs.cancel({ runId })).toEqual({ cancelled: true });
    const final = await client.api.jobs.wait({ runId });
    expect(final.state).toBe('cancelled');
    expect(final.error?.code).toBe('cancelled');
    expect(await client.api.jobs.cancel({ runId })).toEqual({ cancelled: false });
  });

  it('settles a request with cancelled when its AbortSignal fires, and the backend keeps serving', async () => {
    const { runId } = await client.api.jobs.demo({ steps: 1000, stepMs: 20 });
    const controller = new AbortController();
    const waiting = client.api.jobs.wait({ runId }, { signal: controller.signal });
    controller.abort();
    const error = await rejection(waiting);
    expect(isStudioError(error, 'cancelled')).toBe(true);
    const stillRunning = await client.api.jobs.list({});
    expect(stillRunning.jobs.find((job) => job.runId === runId)?.state).toBe('running');
    await client.api.jobs.cancel({ runId });
    expect((await client.api.jobs.wait({ runId })).state).toBe('cancelled');
  });

  it('does not send a request whose signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(client.api.system.echo({ message: 'never' }, { signal: controller.signal }));
    expect(isStudioError(error, 'cancelled')).toBe(true);
    expect((await client.api.system.echo({ message: 'after' })).message).toBe('after');
  });

  it('carries errors as data: code, message and details survive the trip', async () => {
    const reply = await hosted.transport.request('jobs.wait', { runId: 'no-such-job' });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error).toMatchObject({ $isError: true, code: 'input/not-found', name: 'StudioError' });
    expect(reply.error.message).toContain('no-such-job');
    const error = await rejection(client.api.jobs.wait({ runId: 'no-such-job' }));
    expect(isStudioError(error, 'input/not-found')).toBe(true);
  });
});
