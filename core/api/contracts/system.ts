/** The backend itself: identity, health, the tensor backend in use. */
import { z } from 'zod';

import { method } from '../define';

export const systemMethods = {
  'system.info': method({
    description: 'Version of the studio, the host it runs in and the tensor backend in use.',
    params: z.object({}),
    result: z.object({
      name: z.literal('spvit-studio'),
      version: z.string(),
      host: z.enum(['electron', 'web', 'cli', 'test']),
      platform: z.string(),
      nodeVersion: z.string(),
      tensorBackend: z.string().nullable(),
    }),
  }),
  'system.echo': method({
    description: 'Returns its message; the UI uses it to show that the backend is reachable.',
    params: z.object({ message: z.string().max(10_000) }),
    result: z.object({ message: z.string(), receivedAt: z.string() }),
  }),
} as const;

export const systemEvents = {
  'system.log': z.object({
    level: z.enum(['debug', 'info', 'warn', 'error']),
    source: z.string(),
    message: z.string(),
    at: z.string(),
  }),
} as const;
