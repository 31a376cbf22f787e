/**
 * The simulated board's side of the serial console: boot (U-Boot with its autoboot countdown, then
 * the kernel), the login dialogue, and the shell, with a terminal's echo and line editing. Bytes in
 * through `input()`, bytes out through the `output` callback. One instance per simulated board.
 */
import { kernelLog, ubootBanner } from './board-text';
import { imageAccounts, SimLoginDialogue } from './sim-login';
import { SimShell } from './sim-shell';

import type { LoginStep, SimImage } from './sim-login';
import type { SimJob, SimShellHost } from './sim-shell';

export interface SimConsoleOptions {
  image: SimImage;
  hostname: string;
  ipAddress: string;
  /** U-Boot's countdown; 0 boots straight on (no chance to stop it). */
  autobootSeconds: number;
  output(bytes: Uint8Array): void;
  startAgent(argv: readonly string[], env: ReadonlyMap<string, string>): SimJob;
}

type Mode = 'off' | 'uboot-countdown' | 'uboot' | LoginStep | 'shell' | 'busy';

const ECHOED_MODES: readonly Mode[] = ['uboot', 'login', 'shell'];

export class SimConsole {
  private mode: Mode = 'off';
  private line = '';
  private lastWasCarriageReturn = false;
  private readonly accounts: ReturnType<typeof imageAccounts>;
  private dialogue: SimLoginDialogue;
  private shell: SimShell | null = null;
  private foreground: SimJob | null = null;
  private countdown: NodeJS.Timeout | null = null;
  private countdownLeft = 0;
  /** Lines typed while a command ran, as a tty queues them for the shell. */
  private typedAhead: string[] = [];
  private readonly jobs = new Map<number, SimJob>();

  constructor(private readonly options: SimConsoleOptions) {
    this.accounts = imageAccounts(options.image);
    this.dialogue = new SimLoginDialogue(this.accounts, options.hostname);
  }

  /** Powers the board on (or resets it): prints the boot log and ends at the login prompt. */
  powerOn(): void {
    this.stopCountdown();
    this.killJobs();
    this.shell = null;
    this.line = '';
    this.typedAhead = [];
    this.print(`${ubootBanner().join('\n')}\n`);
    this.countdownLeft = this.options.autobootSeconds;
    this.print(`Hit any key to stop autoboot: ${String(this.countdownLeft).padStart(2)} `);
    this.mode = 'uboot-countdown';
    if (this.countdownLeft === 0) {
      this.print('\n');
      this.bootKernel();
      return;
    }
    this.countdown = setInterval(() => this.tick(), 1_000);
  }

  /** Prints raw bytes as if the board wrote them (kernel messages, noise on the line). */
  inject(bytes: Uint8Array): void {
    this.options.output(bytes);
  }

  input(bytes: Uint8Array): void {
    for (const char of new TextDecoder().decode(bytes)) this.key(char);
  }

  shutdown(): void {
    this.stopCountdown();
    this.killJobs();
    this.mode = 'off';
  }

  /** Resolves when every job has exited (after shutdown or a reset). */
  async jobsExited(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((job) => job.exited));
  }

  private killJobs(): void {
    for (const job of this.jobs.values()) job.kill('SIGKILL');
  }

  private startJob(argv: readonly string[], env: ReadonlyMap<string, string>): SimJob {
    const job = this.options.startAgent(argv, env);
    this.jobs.set(job.pid, job);
    void job.exited.then(() => this.jobs.delete(job.pid));
    return job;
  }

  private tick(): void {
    this.countdownLeft -= 1;
    this.print(`\b\b\b${String(this.countdownLeft).padStart(2)} `);
    if (this.countdownLeft <= 0) {
      this.stopCountdown();
      this.print('\n');
      this.bootKernel();
    }
  }

  private stopCountdown(): void {
    if (this.countdown !== null) clearInterval(this.countdown);
    this.countdown = null;
  }

  private bootKernel(): void {
    this.print(`${kernelLog(this.options.hostname).join('\n')}\n`);
    this.startLogin();
  }

  private startLogin(): void {
    this.dialogue = new SimLoginDialogue(this.accounts, this.options.hostname);
    this.print(this.dialogue.prompt);
    this.mode = 'login';
  }

  private key(char: string): void {
    if (this.mode === 'off') return;
    if (this.mode === 'uboot-countdown') {
      this.stopCountdown();
      this.print(`\b\b\b 0 \nZynqMP> `);
      this.mode = 'uboot';
      return;
    }
    if (char === '\n' && this.lastWasCarriageReturn) {
      this.lastWasCarriageReturn = false;
      return;
    }
    this.lastWasCarriageReturn = char === '\r';
    if (char === '\r' || char === '\n') {
      this.enter();
    } else if (char === '\x03') {
      this.interrupt();
    } else if (char === '\x7f' || char === '\b') {
      if (this.line.length > 0 && ECHOED_MODES.includes(this.mode)) this.print('\b \b');
      this.line = this.line.slice(0, -1);
    } else if (char >= ' ') {
      this.line += char;
      if (ECHOED_MODES.includes(this.mode) || this.mode === 'busy') this.print(char);
    }
  }

  private interrupt(): void {
    this.line = '';
    if (this.mode === 'busy') {
      this.print('^C');
      this.foreground?.kill('SIGINT');
      return;
    }
    this.print('^C\n');
    if (this.mode === 'shell') this.print(this.prompt());
    else if (this.mode === 'uboot') this.print('ZynqMP> ');
    else this.startLogin();
  }

  private enter(): void {
    const line = this.line;
    this.line = '';
    const echoed = this.mode !== 'busy';
    if (echoed) this.print('\n');
    switch (this.mode) {
      case 'uboot':
        this.uboot(line.trim());
        return;
      case 'shell':
        this.runShellLine(line);
        return;
      case 'busy':
        this.typedAhead.push(line);
        return;
      case 'login':
      case 'password':
      case 'current-password':
      case 'new-password':
      case 'retype-password': {
        const reply = this.dialogue.enter(this.mode, line);
        this.print(reply.text);
        if (reply.next === 'shell') this.enterShell();
        else this.mode = reply.next;
        return;
      }
      default:
        return;
    }
  }

  private uboot(command: string): void {
    if (command === 'boot' || command === 'run bootcmd' || command === 'bootm') {
      this.bootKernel();
    } else if (command === 'reset') {
      this.powerOn();
    } else {
      if (command !== '') this.print(`Unknown command '${command.split(' ')[0] ?? ''}' - try 'help'\n`);
      this.print('ZynqMP> ');
    }
  }

  private enterShell(): void {
    const username = this.dialogue.username;
    const host: SimShellHost = {
      hostname: this.options.hostname,
      ipAddress: this.options.ipAddress,
      username,
      print: (text) => this.print(text),
      jobs: this.jobs,
      startAgent: (argv, env) => this.startJob(argv, env),
      setForeground: (job) => {
        this.foreground = job;
      },
      logout: () => this.startLogin(),
      reboot: () => {
        this.print('reboot: Restarting system\n');
        this.powerOn();
      },
    };
    this.shell = new SimShell(host);
    this.mode = 'shell';
    this.print(this.prompt());
  }

  private prompt(): string {
    return this.dialogue.username === 'root' ? `root@${this.options.hostname}:~# ` : `${this.options.hostname}:~$ `;
  }

  private runShellLine(line: string): void {
    const shell = this.shell;
    if (shell === null) return;
    this.mode = 'busy';
    void shell.execute(line).then(() => {
      // The line may have logged out or rebooted; only a shell still in charge shows its prompt.
      if (this.mode !== 'busy' || this.shell !== shell) return;
      this.mode = 'shell';
      this.print(this.prompt());
      const next = this.typedAhead.shift();
      if (next !== undefined) this.runShellLine(next);
    });
  }

  /** Writes text as the board's tty does: LF becomes CRLF. */
  private print(text: string): void {
    if (text !== '') this.options.output(new TextEncoder().encode(text.replace(/\r?\n/g, '\r\n')));
  }
}
