import { describe, expect, it } from 'vitest';

import { deploySteps } from './deploy-steps';

import type { DeployProgress } from '../../../core/api/contracts/deploy';

const event = (phase: DeployProgress['phase'], message: string = phase): DeployProgress => ({ runId: 'deploy-1', deviceId: 'p', phase, message });

describe('deploySteps', () => {
  it('marks the phases passed as done and the latest as under way', () => {
    const steps = deploySteps([event('export'), event('host-check'), event('connect', 'connecting to p')], 'running');
    expect(steps.slice(0, 4).map((s) => `${s.phase}:${s.state}`)).toEqual(['export:done', 'host-check:done', 'connect:active', 'push:pending']);
    expect(steps[2]).toMatchObject({ label: 'Connect to the device', message: 'connecting to p' });
  });

  it('marks the phase a failed deploy stopped in as failed, and all as done after success', () => {
    const failed = deploySteps([event('export'), event('push')], 'failed');
    expect(failed.map((s) => s.state).slice(0, 5)).toEqual(['done', 'done', 'done', 'failed', 'pending']);
    expect(deploySteps([event('export'), event('activate'), event('done')], 'succeeded').every((s) => s.state === 'done' || s.message === '')).toBe(true);
    expect(deploySteps([event('export'), event('benchmark')], 'cancelled')[5]!.state).toBe('cancelled');
  });
});
