/** Every command of the simulated phone's shell, by name (what toybox and the system provide). */
import { FILE_COMMANDS } from './file-commands';
import { SYSTEM_COMMANDS } from './system-commands';
import { TEXT_COMMANDS } from './text-commands';

import type { SimCommand } from '../command';

export const SHELL_COMMANDS: Readonly<Record<string, SimCommand>> = {
  ...FILE_COMMANDS,
  ...TEXT_COMMANDS,
  ...SYSTEM_COMMANDS,
};
