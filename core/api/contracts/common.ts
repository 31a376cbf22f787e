/** Schemas shared by several domains. */
import { z } from 'zod';

export const RunIdSchema = z.string().min(1).max(128);

export const JobStateSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export const SerializedErrorSchema = z.object({
  $isError: z.literal(true),
  code: z.string(),
  name: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  details: z.unknown().optional(),
  stack: z.string().optional(),
});

/** Returned at once by every long job; progress follows as `jobs.changed` events. */
export const JobStartedSchema = z.object({ runId: RunIdSchema });
