/** What handlers share: the job runner, the host's identity, settings. Built once per backend. */
import type { JobManager } from './job-manager';

export interface BackendDeps {
  readonly host: 'electron' | 'web' | 'cli' | 'test';
  readonly jobs: JobManager;
  /** Where runs, LUTs and settings live (~/.spvit-studio by default). */
  readonly dataDir: string;
  /** The tfjs backend in use, or null before one was chosen. */
  tensorBackend(): string | null;
}
