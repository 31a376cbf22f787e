/** The `spvit` command: parses the sub-command, runs it, turns errors into messages and exit codes. */
import { parseArgs } from 'node:util';

import { isStudioError, StudioError, toSerializedError } from '../../core/shared/errors';

import { VERSION } from '../backend/version';

import { COMMANDS } from './registry';

import type { CliCommand, CliIo } from './command';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'spvit: SPViT Studio on the command line',
    '',
    'usage: spvit <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'spvit <command> --help' for a command's options.",
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  const flags = Object.entries(command.options).map(([name, spec]) => {
    const value = spec.type === 'string' ? ` <${name}>` : '';
    const repeat = spec.multiple ? ' (repeatable)' : '';
    return `  --${name}${value}${repeat}`;
  });
  return [`usage: ${command.usage}`, '', command.summary, ...(flags.length > 0 ? ['', 'options:', ...flags] : []), ''].join('\n');
}

function reportError(error: unknown, io: CliIo): number {
  const serialized = toSerializedError(error);
  io.stderr.write(`error [${serialized.code}]: ${serialized.message}\n`);
  if (serialized.hint !== undefined) {
    io.stderr.write(`hint: ${serialized.hint}\n`);
  }
  if (serialized.code === 'internal/bug' && serialized.stack !== undefined) {
    io.stderr.write(`${serialized.stack}\n`);
  }
  return serialized.code === 'input/invalid' ? EXIT_USAGE : EXIT_FAILURE;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(globalHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    io.stdout.write(`spvit-studio ${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    io.stderr.write(`error [input/invalid]: unknown command '${name}'.\n\n${globalHelp()}`);
    return EXIT_USAGE;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: command.allowPositionals ?? false, strict: true });
    } catch (error) {
      throw new StudioError('input/invalid', error instanceof Error ? error.message : String(error), {
        hint: `Run 'spvit ${command.name} --help' for the usage.`,
      });
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, io);
  } catch (error) {
    if (isStudioError(error, 'cancelled')) {
      io.stderr.write('cancelled\n');
      return 130;
    }
    return reportError(error, io);
  }
}
