/** The simulated board's shell: a few commands, enough for the studio and for a person poking at it. */
import { cpuinfoText, DEVICE_TREE_MODEL, ipAddrText, unameText } from './board-text';
import { expandWord, parseShellLine, splitAssignments } from './shell-words';

export const AGENT_COMMAND_NAME = 'spvit-board-agent';

/** A process the shell started (the board agent). */
export interface SimJob {
  pid: number;
  /** Resolves with the exit status (128 + signal number when killed). */
  exited: Promise<number>;
  kill(signal: NodeJS.Signals): void;
}

export interface SimShellHost {
  readonly hostname: string;
  readonly ipAddress: string;
  readonly username: string;
  print(text: string): void;
  /** Every job running on the board, by pid (they outlive the shell that started them). */
  readonly jobs: ReadonlyMap<number, SimJob>;
  startAgent(argv: readonly string[], env: ReadonlyMap<string, string>): SimJob;
  /** Sets the job that holds the console (Ctrl+C goes to it), or null. */
  setForeground(job: SimJob | null): void;
  logout(): void;
  reboot(): void;
}

type Builtin = (args: string[]) => number | Promise<number>;

export class SimShell {
  private status = 0;
  /** Set by exit, logout and reboot: the rest of the line does not run. */
  private ended = false;
  private readonly builtins: Record<string, Builtin>;

  constructor(private readonly host: SimShellHost) {
    this.builtins = {
      echo: (args) => this.out(args.join(' ')),
      true: () => 0,
      false: () => 1,
      stty: () => 0,
      pwd: () => this.out(host.username === 'root' ? '/root' : `/home/${host.username}`),
      whoami: () => this.out(host.username),
      hostname: () => this.out(host.hostname),
      uname: (args) => this.out(unameText(host.hostname, args[0])),
      cat: (args) => this.cat(args),
      ip: (args) => this.ip(args),
      kill: (args) => this.kill(args),
      exit: () => this.leave(),
      logout: () => this.leave(),
      reboot: () => {
        this.ended = true;
        host.reboot();
        return 0;
      },
    };
  }

  /** Runs one typed line; resolves when its foreground commands are done. */
  async execute(line: string): Promise<void> {
    const parsed = parseShellLine(line);
    if (!parsed.ok) {
      this.host.print(`-sh: ${parsed.message}\n`);
      this.status = 2;
      return;
    }
    for (const command of parsed.commands) {
      if (this.ended) return;
      const variables = new Map([['?', String(this.status)]]);
      const words = command.words.map((word) => expandWord(word, variables));
      const { assignments, argv } = splitAssignments(words);
      this.status = await this.runCommand(argv, assignments, command.background);
    }
  }

  private async runCommand(argv: string[], env: Map<string, string>, background: boolean): Promise<number> {
    const [name, ...args] = argv;
    if (name === undefined) return 0;
    if (name === AGENT_COMMAND_NAME) return this.agent(args, env, background);
    const builtin = this.builtins[name];
    if (builtin === undefined) {
      this.host.print(`-sh: ${name}: not found\n`);
      return 127;
    }
    return builtin(args);
  }

  private async agent(args: string[], env: Map<string, string>, background: boolean): Promise<number> {
    const job = this.host.startAgent(args, env);
    if (background) {
      this.host.print(`[${this.host.jobs.size}] ${job.pid}\n`);
      return 0;
    }
    this.host.setForeground(job);
    const status = await job.exited;
    this.host.setForeground(null);
    return status;
  }

  private out(text: string): number {
    this.host.print(`${text}\n`);
    return 0;
  }

  private cat(args: string[]): number {
    const files: Record<string, string> = {
      '/proc/cpuinfo': `${cpuinfoText()}\n`,
      // The device tree's model string ends in a NUL and no newline, as on the board.
      '/proc/device-tree/model': `${DEVICE_TREE_MODEL}\u0000`,
      '/etc/hostname': `${this.host.hostname}\n`,
      '/proc/version': `${unameText(this.host.hostname, '-a')}\n`,
    };
    let status = 0;
    for (const path of args) {
      const text = files[path];
      if (text === undefined) {
        this.host.print(`cat: can't open '${path}': No such file or directory\n`);
        status = 1;
      } else {
        this.host.print(text);
      }
    }
    return status;
  }

  private ip(args: string[]): number {
    const words = args.filter((arg) => arg !== '-4');
    const [object, action, device] = words;
    const isAddrShow = (object === 'addr' || object === 'a' || object === 'address') && (action === undefined || action === 'show');
    if (!isAddrShow) {
      this.host.print('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n');
      return 255;
    }
    if (device !== undefined && device !== 'eth0') {
      this.host.print(`Device "${device}" does not exist.\n`);
      return 1;
    }
    return this.out(ipAddrText('eth0', this.host.ipAddress));
  }

  private kill(args: string[]): number {
    const signal: NodeJS.Signals = args.includes('-9') || args.includes('-KILL') ? 'SIGKILL' : 'SIGTERM';
    let status = 0;
    for (const arg of args.filter((value) => !value.startsWith('-'))) {
      const job = this.host.jobs.get(Number(arg));
      if (job === undefined) {
        this.host.print(`-sh: kill: (${arg}) - No such process\n`);
        status = 1;
      } else {
        job.kill(signal);
      }
    }
    return status;
  }

  private leave(): number {
    this.ended = true;
    this.host.logout();
    return 0;
  }
}
