/**
 * The WebSocket envelope around Reply. The socket URL carries the per-launch token as
 * `?token=...`; the server refuses the upgrade without it.
 */
import { z } from 'zod';

import type { Reply } from './transport';

export const WS_PATH = '/api';

export const ClientMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), id: z.number().int(), method: z.string(), params: z.unknown() }),
  z.object({ kind: z.literal('cancel'), id: z.number().int() }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type ServerMessage =
  | { kind: 'reply'; id: number; reply: Reply }
  | { kind: 'event'; name: string; payload: unknown };
