/** A command whose feature has not landed yet: says so plainly and exits non-zero. */
import { StudioError } from '../../core/shared/errors';

import type { CliCommand } from './command';

export function unavailableCommand(spec: Pick<CliCommand, 'name' | 'summary' | 'usage'>): CliCommand {
  return {
    ...spec,
    summary: `${spec.summary} (not available yet)`,
    options: {},
    allowPositionals: true,
    run() {
      return Promise.reject(
        new StudioError('not-implemented', `'spvit ${spec.name}' is not available in this version of the studio yet.`, {
          hint: 'See the README for what this version can do.',
        }),
      );
    },
  };
}
