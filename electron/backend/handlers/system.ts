import { VERSION } from '../version';

import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export function systemHandlers(deps: BackendDeps): BackendHandlers<'system.info' | 'system.echo'> {
  return {
    'system.info': async () => ({
      name: 'spvit-studio',
      version: VERSION,
      host: deps.host,
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
      tensorBackend: deps.tensorBackend(),
    }),
    'system.echo': async ({ message }) => ({ message, receivedAt: new Date().toISOString() }),
  };
}
