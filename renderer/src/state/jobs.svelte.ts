/** Jobs of this session for the Jobs tab and the inspector. */
import { toShownError } from './errors';
import { isJobActive, JobsFeed } from './jobs-feed';

import type { Job } from '../../../core/api/contracts/jobs';
import type { StudioClient } from '../boot/studio-client';
import type { ShownError } from './errors';

export class JobsState {
  jobs: readonly Job[] = $state.raw([]);
  /** Why the listing failed, or why the last start/cancel failed. */
  error: ShownError | null = $state.raw(null);
  activeCount: number = $derived(this.jobs.filter(isJobActive).length);
  readonly #feed: JobsFeed;

  constructor(client: StudioClient) {
    this.#feed = new JobsFeed(client, (jobs) => {
      this.jobs = jobs;
    });
  }

  attach(): () => void {
    return this.#feed.attach();
  }

  find(runId: string): Job | null {
    return this.jobs.find((job) => job.runId === runId) ?? null;
  }

  async refresh(): Promise<void> {
    await this.#guard(() => this.#feed.refresh());
  }

  async cancel(runId: string): Promise<void> {
    await this.#guard(() => this.#feed.cancel(runId));
  }

  /** Starts the demo job; returns its id, or null when the backend refused. */
  async startDemo(): Promise<string | null> {
    return this.#guard(() => this.#feed.startDemo());
  }

  async #guard<T>(action: () => Promise<T>): Promise<T | null> {
    try {
      const result = await action();
      this.error = null;
      return result;
    } catch (error) {
      this.error = toShownError(error);
      return null;
    }
  }
}
