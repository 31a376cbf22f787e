/** What every `spvit` sub-command provides. Each lives in commands/<name>.ts and owns its flags. */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Fires on Ctrl+C; long commands pass it down. */
  signal: AbortSignal;
}

export interface ParsedCommandLine {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface CliCommand {
  name: string;
  /** One line for `spvit --help`. */
  summary: string;
  /** The usage block for `spvit NAME --help`, without the leading "usage: ". */
  usage: string;
  options: OptionSpec;
  allowPositionals?: boolean;
  /** Returns the process exit code. Throw a StudioError for failures. */
  run(args: ParsedCommandLine, io: CliIo): Promise<number>;
}
