/** Long work (profiling, training, deploy) runs as jobs: an id at once, progress as events. */
import { z } from 'zod';

import { method } from '../define';

import { JobStateSchema, RunIdSchema, SerializedErrorSchema } from './common';

export const JobSchema = z.object({
  runId: RunIdSchema,
  kind: z.string(),
  title: z.string(),
  state: JobStateSchema,
  /** 0..1, or null when the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  message: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: SerializedErrorSchema.nullable(),
  result: z.unknown().optional(),
});
export type Job = z.infer<typeof JobSchema>;

export const jobsMethods = {
  'jobs.list': method({
    description: 'Jobs of this session, newest first.',
    params: z.object({}),
    result: z.object({ jobs: z.array(JobSchema) }),
  }),
  'jobs.cancel': method({
    description: 'Cancels a running job; it ends in state "cancelled".',
    params: z.object({ runId: RunIdSchema }),
    result: z.object({ cancelled: z.boolean() }),
  }),
  'jobs.wait': method({
    description: 'Resolves when the job has ended, with its final state.',
    params: z.object({ runId: RunIdSchema }),
    result: JobSchema,
  }),
  'jobs.demo': method({
    description: 'A job that counts for a number of steps; used to check progress and cancellation end to end.',
    params: z.object({ steps: z.number().int().min(1).max(1000), stepMs: z.number().int().min(0).max(10_000) }),
    result: z.object({ runId: RunIdSchema }),
  }),
} as const;

export const jobsEvents = {
  'jobs.changed': JobSchema,
} as const;
