/**
 * The jobs the UI shows: a listing from `jobs.list` kept current by `jobs.changed` events. Plain
 * TypeScript (no runes) so it is tested with the real backend over the in-memory transport.
 */
import type { Job } from '../../../core/api/contracts/jobs';
import type { StudioClient } from '../boot/studio-client';

/** Steps and step length of the demo job the Jobs tab starts (4 s in all). */
export const DEMO_JOB = { steps: 40, stepMs: 100 } as const;

const ENDED_STATES: ReadonlySet<Job['state']> = new Set(['succeeded', 'failed', 'cancelled']);

export function isJobActive(job: Job): boolean {
  return !ENDED_STATES.has(job.state);
}

/** Newest first; ties (same start instant) keep the later-created id order stable. */
function byStartDescending(a: Job, b: Job): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? 1 : -1;
  return a.runId < b.runId ? 1 : -1;
}

export class JobsFeed {
  readonly #client: StudioClient;
  readonly #onChange: (jobs: readonly Job[]) => void;
  readonly #byId = new Map<string, Job>();
  /** Ids updated by events while a listing was in flight: the event is newer than the listing. */
  #touchedDuringListing: Set<string> | null = null;

  constructor(client: StudioClient, onChange: (jobs: readonly Job[]) => void) {
    this.#client = client;
    this.#onChange = onChange;
  }

  get jobs(): readonly Job[] {
    return [...this.#byId.values()].sort(byStartDescending);
  }

  /** Follows `jobs.changed`; returns the unsubscribe function. */
  attach(): () => void {
    return this.#client.on('jobs.changed', (job) => this.apply(job));
  }

  apply(job: Job): void {
    this.#touchedDuringListing?.add(job.runId);
    this.#byId.set(job.runId, job);
    this.#onChange(this.jobs);
  }

  /** Replaces what is shown by the backend's listing, keeping updates that arrived meanwhile. */
  async refresh(): Promise<void> {
    const touched = new Set<string>();
    this.#touchedDuringListing = touched;
    try {
      const { jobs } = await this.#client.api.jobs.list({});
      const fresh = new Map(jobs.map((job) => [job.runId, job]));
      for (const runId of touched) {
        const updated = this.#byId.get(runId);
        if (updated !== undefined) fresh.set(runId, updated);
      }
      this.#byId.clear();
      for (const [runId, job] of fresh) this.#byId.set(runId, job);
      this.#onChange(this.jobs);
    } finally {
      if (this.#touchedDuringListing === touched) this.#touchedDuringListing = null;
    }
  }

  async cancel(runId: string): Promise<boolean> {
    const { cancelled } = await this.#client.api.jobs.cancel({ runId });
    return cancelled;
  }

  async startDemo(): Promise<string> {
    const { runId } = await this.#client.api.jobs.demo({ ...DEMO_JOB });
    return runId;
  }
}
