/** Runs long work as jobs: an id at once, `jobs.changed` events, cancellation by AbortSignal. */
import { randomUUID } from 'node:crypto';

import { StudioError, toSerializedError } from '../../core/shared/errors';

import type { Job } from '../../core/api/contracts/jobs';

export interface JobContext {
  readonly runId: string;
  readonly signal: AbortSignal;
  /** progress: 0..1 or null when unknown. */
  report(progress: number | null, message: string): void;
}

export interface StartJobOptions<T> {
  kind: string;
  title: string;
  /** Use a given id (runs resume under their folder's name); otherwise a fresh one. */
  runId?: string;
  work: (context: JobContext) => Promise<T>;
}

const REPORT_INTERVAL_MS = 100;

export class JobManager {
  readonly #jobs = new Map<string, Job>();
  readonly #controllers = new Map<string, AbortController>();
  readonly #done = new Map<string, Promise<Job>>();
  readonly #onChange: (job: Job) => void;

  constructor(onChange: (job: Job) => void) {
    this.#onChange = onChange;
  }

  start<T>(options: StartJobOptions<T>): string {
    const runId = options.runId ?? `${options.kind}-${randomUUID().slice(0, 8)}`;
    if (this.#controllers.has(runId)) {
      throw new StudioError('input/invalid', `Job ${runId} is already running.`);
    }
    const controller = new AbortController();
    this.#controllers.set(runId, controller);
    const job: Job = {
      runId,
      kind: options.kind,
      title: options.title,
      state: 'running',
      progress: null,
      message: 'starting',
      startedAt: new Date().toISOString(),
      endedAt: null,
      error: null,
    };
    this.#update(job);
    let lastReport = 0;
    const context: JobContext = {
      runId,
      signal: controller.signal,
      report: (progress, message) => {
        const now = Date.now();
        // Throttled so a tight loop cannot flood the transport; the final state always goes out.
        if (now - lastReport < REPORT_INTERVAL_MS && progress !== 1) return;
        lastReport = now;
        this.#update({ ...this.#jobs.get(runId)!, progress, message });
      },
    };
    const done = options
      .work(context)
      .then(
        (result) => ({ ...this.#jobs.get(runId)!, state: 'succeeded' as const, progress: 1, message: 'done', result }),
        (error: unknown) => {
          const serialized = toSerializedError(error);
          const cancelled = controller.signal.aborted || serialized.code === 'cancelled';
          return {
            ...this.#jobs.get(runId)!,
            state: cancelled ? ('cancelled' as const) : ('failed' as const),
            message: cancelled ? 'cancelled' : serialized.message,
            error: cancelled ? { ...serialized, code: 'cancelled' as const } : serialized,
          };
        },
      )
      .then((final) => {
        const ended: Job = { ...final, endedAt: new Date().toISOString() };
        this.#controllers.delete(runId);
        this.#update(ended);
        return ended;
      });
    this.#done.set(runId, done);
    return runId;
  }

  list(): Job[] {
    return [...this.#jobs.values()].reverse();
  }

  get(runId: string): Job {
    const job = this.#jobs.get(runId);
    if (job === undefined) {
      throw new StudioError('input/not-found', `No job with id ${runId}.`);
    }
    return job;
  }

  cancel(runId: string): boolean {
    this.get(runId);
    const controller = this.#controllers.get(runId);
    if (controller === undefined) return false;
    controller.abort(new StudioError('cancelled', 'Cancelled by the user.'));
    return true;
  }

  wait(runId: string): Promise<Job> {
    this.get(runId);
    return this.#done.get(runId)!;
  }

  /** Cancels everything still running; hosts call it on shutdown. */
  async dispose(): Promise<void> {
    for (const controller of this.#controllers.values()) {
      controller.abort(new StudioError('cancelled', 'The studio is shutting down.'));
    }
    await Promise.allSettled(this.#done.values());
  }

  #update(job: Job): void {
    this.#jobs.set(job.runId, job);
    this.#onChange(job);
  }
}
