/**
 * A simulated ZCU102: its console on a real pty (via socat), a boot log, the login dialogue of the
 * chosen image, a shell, and `spvit-board-agent` running the real agent with a simulated
 * accelerator on loopback. An instance per board; close() ends everything it started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_AGENT_PORT } from '../../zcu102/agent/agent-main';
import { launchSimAgent } from './sim-agent-process';
import { SimConsole } from './sim-console';
import { SocatPty } from './socat-pty';

import type { SimImage } from './sim-login';

export interface SimZcu102Options {
  /** Where the console's pty link goes (the "serial port" path). */
  link: string;
  /** The port `spvit-board-agent` listens on when not told otherwise; 0 picks a free one. */
  agentPort?: number;
  seed?: number;
  image?: SimImage;
  hostname?: string;
  autobootSeconds?: number;
  /** The board's "disk" (agent packages); a temporary folder removed on close when absent. */
  stateDir?: string;
  signal?: AbortSignal;
  /** Called if socat dies under the simulator. */
  onFailure?: (reason: string) => void;
}

/** The board's address: tests and the demo reach the simulated agent over loopback. */
export const SIM_BOARD_IP = '127.0.0.1';

export class SimZcu102Board {
  private constructor(
    private readonly console: SimConsole,
    private readonly pty: SocatPty,
    readonly stateDir: string,
    private readonly ownsStateDir: boolean,
  ) {}

  static async start(options: SimZcu102Options): Promise<SimZcu102Board> {
    const ownsStateDir = options.stateDir === undefined;
    const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'spvit-sim-zcu102-')));
    const hostname = options.hostname ?? 'spvit-sim-zcu102';
    let pty: SocatPty | null = null;
    const boardConsole = new SimConsole({
      image: options.image ?? 'petalinux',
      hostname,
      ipAddress: SIM_BOARD_IP,
      autobootSeconds: options.autobootSeconds ?? 0,
      output: (bytes) => pty?.write(bytes),
      startAgent: (argv, env) =>
        launchSimAgent({
          argv,
          env,
          stateDir: join(stateDir, 'agent'),
          defaultPort: options.agentPort ?? DEFAULT_AGENT_PORT,
          seed: options.seed ?? 1,
          hostname,
          print: (text) => boardConsole.inject(new TextEncoder().encode(text.replace(/\r?\n/g, '\r\n'))),
        }),
    });
    try {
      const ptyOptions = {
        link: options.link,
        onInput: (bytes: Uint8Array) => boardConsole.input(bytes),
        onExit: (reason: string) => options.onFailure?.(reason),
      };
      pty = await SocatPty.start(options.signal === undefined ? ptyOptions : { ...ptyOptions, signal: options.signal });
    } catch (error) {
      if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
      throw error;
    }
    const board = new SimZcu102Board(boardConsole, pty, stateDir, ownsStateDir);
    boardConsole.powerOn();
    return board;
  }

  get link(): string {
    return this.pty.link;
  }

  /** The /dev/pts/N behind the link. */
  get devicePath(): string {
    return this.pty.devicePath;
  }

  /** Presses the board's reset button: the boot log runs again, background jobs die. */
  reset(): void {
    this.console.powerOn();
  }

  /** Writes bytes on the console as if the board printed them (garbage, kernel messages). */
  injectConsoleOutput(bytes: Uint8Array | string): void {
    this.console.inject(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  }

  async close(): Promise<void> {
    this.console.shutdown();
    await this.console.jobsExited();
    await this.pty.stop();
    if (this.ownsStateDir) await rm(this.stateDir, { recursive: true, force: true });
  }
}
