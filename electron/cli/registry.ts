/** Every `spvit` sub-command, in the order `spvit --help` lists them. */
import { benchCommand } from './commands/bench';
import { deployCommand } from './commands/deploy';
import { devicesCommand } from './commands/devices';
import { exportCommand } from './commands/export';
import { inferCommand } from './commands/infer';
import { profileCommand } from './commands/profile';
import { runCommand } from './commands/run';
import { serveCommand } from './commands/serve';
import { simCommand } from './commands/sim';

import type { CliCommand } from './command';

export const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  devicesCommand,
  simCommand,
  inferCommand,
  profileCommand,
  runCommand,
  exportCommand,
  deployCommand,
  benchCommand,
];
