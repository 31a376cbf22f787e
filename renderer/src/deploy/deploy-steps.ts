/** A deployment's steps as the view lists them: the deploy's phases, each pending, under way, done or failed. */
import { DEPLOY_PHASES } from '../../../core/api/contracts/deploy';

import type { DeployProgress } from '../../../core/api/contracts/deploy';
import type { Job } from '../../../core/api/contracts/jobs';

export type StepState = 'pending' | 'active' | 'done' | 'failed' | 'cancelled';

export interface DeployStep {
  readonly phase: string;
  readonly label: string;
  readonly state: StepState;
  readonly message: string;
}

const LABELS: Readonly<Record<(typeof DEPLOY_PHASES)[number], string>> = {
  export: 'Export to TFLite',
  'host-check': 'Check the export on this machine',
  connect: 'Connect to the device',
  push: 'Push the model',
  verify: 'Verify the pushed file',
  benchmark: 'Run on the device',
  outputs: 'Compare outputs with the host',
  activate: 'Make it the live version',
  done: 'Report written',
};

export function deploySteps(events: readonly DeployProgress[], jobState: Job['state'] | null): DeployStep[] {
  const reached = new Map<string, string>();
  for (const event of events) reached.set(event.phase, event.message);
  const last = events[events.length - 1]?.phase;
  const lastIndex = last === undefined ? -1 : DEPLOY_PHASES.indexOf(last);
  const ended = jobState === 'succeeded' || jobState === 'failed' || jobState === 'cancelled';
  return DEPLOY_PHASES.map((phase, index): DeployStep => {
    let state: StepState = 'pending';
    if (index < lastIndex || (index === lastIndex && (jobState === 'succeeded' || phase === 'done'))) state = 'done';
    else if (index === lastIndex) state = !ended ? 'active' : jobState === 'cancelled' ? 'cancelled' : 'failed';
    return { phase, label: LABELS[phase], state, message: reached.get(phase) ?? '' };
  });
}
