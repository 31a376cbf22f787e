/**
 * Every `spvit` sub-command, in the order `spvit --help` lists them. Commands load on demand, so
 * `spvit --help` and light commands do not pay for TensorFlow.js or the device stacks.
 */
import type { CliCommand } from './command';

export interface CommandEntry {
  name: string;
  /** One line for `spvit --help`. */
  summary: string;
  load(): Promise<CliCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'the studio in a browser; prints the URL', load: async () => (await import('./commands/serve')).serveCommand },
  { name: 'devices', summary: 'phones (adb server) and boards (serial consoles)', load: async () => (await import('./commands/devices')).devicesCommand },
  { name: 'sim', summary: 'a simulated Android phone or ZCU102 board', load: async () => (await import('./commands/sim')).simCommand },
  { name: 'infer', summary: 'runs a model on a .npy input', load: async () => (await import('./commands/infer')).inferCommand },
  { name: 'profile', summary: 'builds a latency table on a device', load: async () => (await import('./commands/profile')).profileCommand },
  { name: 'run', summary: 'runs a pipeline headless (train, export, deploy)', load: async () => (await import('./commands/run')).runCommand },
  { name: 'export', summary: 'exports a trained model (TFLite or board package)', load: async () => (await import('./commands/export')).exportCommand },
  { name: 'deploy', summary: 'deploys the model of a run to a device', load: async () => (await import('./commands/deploy')).deployCommand },
  { name: 'bench', summary: 'the performance benchmarks, as a table', load: async () => (await import('./commands/bench')).benchCommand },
];
