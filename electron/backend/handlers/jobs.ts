import { setTimeout as sleep } from 'node:timers/promises';

import { throwIfAborted } from '../../../core/shared/errors';

import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export function jobsHandlers(deps: BackendDeps): BackendHandlers<'jobs.list' | 'jobs.cancel' | 'jobs.wait' | 'jobs.demo'> {
  return {
    'jobs.list': async () => ({ jobs: deps.jobs.list() }),
    'jobs.cancel': async ({ runId }) => ({ cancelled: deps.jobs.cancel(runId) }),
    'jobs.wait': ({ runId }) => deps.jobs.wait(runId),
    'jobs.demo': async ({ steps, stepMs }) => {
      const runId = deps.jobs.start({
        kind: 'demo',
        title: `Count to ${steps}`,
        work: async ({ signal, report }) => {
          for (let step = 1; step <= steps; step += 1) {
            throwIfAborted(signal);
            await sleep(stepMs, undefined, { signal }).catch(() => throwIfAborted(signal));
            report(step / steps, `step ${step} of ${steps}`);
          }
          return { steps };
        },
      });
      return { runId };
    },
  };
}
