/** What a command of the simulated shell gets: its argv, streams, the phone, and a kill signal. */
import type { SimFilesystem } from '../filesystem';
import type { SimPhoneState } from '../phone-state';
import type { SimPhoneProfile } from '../profiles/profile';

export interface OutputSink {
  write(chunk: string | Uint8Array): Promise<void>;
}

/** The parts of the phone commands may use (kept narrow so commands stay testable). */
export interface SimPhoneServices {
  readonly profile: SimPhoneProfile;
  readonly fs: SimFilesystem;
  readonly state: SimPhoneState;
  getprop(name: string): string | undefined;
  properties(): [string, string][];
  /** Runs a pushed benchmark_model binary (the simulated tool). */
  runBenchmarkModel(context: CommandContext): Promise<number>;
}

export interface CommandContext {
  argv: string[];
  stdin: Uint8Array;
  stdout: OutputSink;
  stderr: OutputSink;
  phone: SimPhoneServices;
  cwd: string;
  /** CPUs this process may run on (taskset), as a bit mask over cpu numbers. */
  cpuMask: bigint;
  /** Fires when the adb stream closes (the host killed the command). */
  signal: AbortSignal;
  /** Runs another command line in this shell (taskset, sh -c). */
  runArgv(argv: string[], context: CommandContext): Promise<number>;
}

export type SimCommand = (context: CommandContext) => Promise<number>;

export function commandError(context: CommandContext, message: string): Promise<void> {
  return context.stderr.write(`${context.argv[0] ?? 'sh'}: ${message}\n`);
}
