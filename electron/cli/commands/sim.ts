/** `spvit sim phone|zcu102`: the two simulators, each in its own module. */
import { StudioError } from '../../../core/shared/errors';

import { simPhoneCommand } from './sim-phone';
import { simZcu102Command } from './sim-zcu102';

import type { CliCommand } from '../command';

const TARGETS: Record<string, CliCommand> = { phone: simPhoneCommand, zcu102: simZcu102Command };

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'a simulated Android phone (adb over TCP) or ZCU102 board (console on a pty + agent)',
  usage: 'spvit sim phone [--port N] [--profile NAME] [--seed S] | spvit sim zcu102 [--link PATH] [--agent-port N] [--seed S]',
  options: { ...simPhoneCommand.options, ...simZcu102Command.options },
  allowPositionals: true,
  run(args, io) {
    const [target, ...rest] = args.positionals;
    const command = target === undefined ? undefined : TARGETS[target];
    if (command === undefined) {
      return Promise.reject(
        new StudioError('input/invalid', `spvit sim needs a target: phone or zcu102${target === undefined ? '' : `, got '${target}'`}.`, {
          hint: 'Example: spvit sim phone --port 5555',
        }),
      );
    }
    return command.run({ values: args.values, positionals: rest }, io);
  },
};
