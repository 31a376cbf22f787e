/**
 * The simulated /system/bin/sh: runs parsed command lines against the phone's commands and
 * filesystem, with mksh's error messages and exit statuses (127 not found, 126 cannot execute).
 */
import { normalizePath, SimFsError } from '../filesystem';

import { SHELL_COMMANDS } from './commands/index';
import { expandWord } from './expand';
import { parseShellLine, ShellSyntaxError } from './parse';

import type { CommandContext, OutputSink, SimPhoneServices } from './command';
import type { Redirect, SimpleCommand } from './parse';

const SH = '/system/bin/sh';

class BufferSink implements OutputSink {
  readonly chunks: Uint8Array[] = [];
  write(chunk: string | Uint8Array): Promise<void> {
    this.chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    return Promise.resolve();
  }
  bytes(): Uint8Array {
    const total = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    return joined;
  }
}

const NULL_SINK: OutputSink = { write: () => Promise.resolve() };

export interface ShellIo {
  stdout: OutputSink;
  stderr: OutputSink;
  signal: AbortSignal;
}

export class SimShell {
  readonly #phone: SimPhoneServices;
  #cwd = '/';
  #lastStatus = 0;
  #exitRequested: number | null = null;

  constructor(phone: SimPhoneServices) {
    this.#phone = phone;
  }

  get cwd(): string {
    return this.#cwd;
  }

  /** null while the shell keeps running; the status once `exit` was called. */
  get exitRequested(): number | null {
    return this.#exitRequested;
  }

  async run(line: string, io: ShellIo): Promise<number> {
    let items;
    try {
      items = parseShellLine(line);
    } catch (error) {
      if (!(error instanceof ShellSyntaxError)) throw error;
      await io.stderr.write(`${SH}: ${error.message}\n`);
      this.#lastStatus = 2;
      return 2;
    }
    for (const item of items) {
      if (io.signal.aborted || this.#exitRequested !== null) break;
      if (item.connector === '&&' && this.#lastStatus !== 0) continue;
      if (item.connector === '||' && this.#lastStatus === 0) continue;
      let stdin: Uint8Array = new Uint8Array(0);
      const commands = item.pipeline.commands;
      for (let index = 0; index < commands.length; index += 1) {
        const last = index === commands.length - 1;
        const pipe = last ? null : new BufferSink();
        this.#lastStatus = await this.#runSimple(commands[index]!, { stdin, stdout: pipe ?? io.stdout, stderr: io.stderr, signal: io.signal });
        if (pipe !== null) stdin = pipe.bytes();
      }
    }
    return this.#exitRequested ?? this.#lastStatus;
  }

  async #runSimple(command: SimpleCommand, io: ShellIo & { stdin: Uint8Array }): Promise<number> {
    const expand = (word: SimpleCommand['words'][number]): string[] =>
      expandWord(word, { variables: (name) => this.#variable(name), fs: this.#phone.fs, cwd: this.#cwd });
    const argv = command.words.flatMap(expand);
    const streams = { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr };
    for (const redirect of command.redirects) {
      const problem = this.#applyRedirect(redirect, expand(redirect.target).join(' '), streams);
      if (problem !== null) {
        await io.stderr.write(`${SH}: ${problem}\n`);
        return 1;
      }
    }
    if (argv.length === 0) return 0;
    const context: CommandContext = {
      argv,
      stdin: streams.stdin,
      stdout: streams.stdout,
      stderr: streams.stderr,
      phone: this.#phone,
      cwd: this.#cwd,
      cpuMask: (1n << BigInt(this.#cpuCount())) - 1n,
      signal: io.signal,
      runArgv: (nested, nestedContext) => this.#exec(nested, nestedContext),
    };
    return this.#exec(argv, context);
  }

  async #exec(argv: string[], context: CommandContext): Promise<number> {
    const [name = ''] = argv;
    const nested: CommandContext = { ...context, argv };
    switch (name) {
      case 'cd': {
        const target = normalizePath(argv[1] ?? '/', this.#cwd);
        const node = this.#phone.fs.lookup(target);
        if (node?.kind !== 'dir') {
          await context.stderr.write(`${SH}: cd: ${target} - ${node === null ? 'No such file or directory' : 'Not a directory'}\n`);
          return 2;
        }
        this.#cwd = target;
        return 0;
      }
      case 'exit':
        this.#exitRequested = Number(argv[1] ?? this.#lastStatus) & 0xff;
        return this.#exitRequested;
      case 'sh': {
        if (argv[1] !== '-c' || argv[2] === undefined) {
          await context.stderr.write(`${SH}: only 'sh -c COMMAND' is supported here\n`);
          return 2;
        }
        const child = new SimShell(this.#phone);
        child.#cwd = this.#cwd;
        return child.run(argv[2], context);
      }
      default:
        break;
    }
    if (name.includes('/')) return this.#execFile(nested);
    const command = SHELL_COMMANDS[name];
    if (command === undefined) {
      await context.stderr.write(`${SH}: ${name}: inaccessible or not found\n`);
      return 127;
    }
    return command(nested);
  }

  async #execFile(context: CommandContext): Promise<number> {
    const shown = context.argv[0]!;
    const path = normalizePath(shown, this.#cwd);
    const node = this.#phone.fs.lookup(path);
    if (node === null) {
      await context.stderr.write(`${SH}: ${shown}: inaccessible or not found\n`);
      return 127;
    }
    if (node.kind === 'dir' || (node.permissions & 0o111) === 0) {
      await context.stderr.write(`${SH}: ${shown}: can't execute: ${node.kind === 'dir' ? 'Is a directory' : 'Permission denied'}\n`);
      return 126;
    }
    const base = path.split('/').pop()!;
    if (base.startsWith('benchmark_model')) return this.#phone.runBenchmarkModel(context);
    const content = this.#phone.fs.readFile(path);
    if (content.includes(0)) {
      // A real binary: the simulator cannot run machine code other than the tools it simulates.
      await context.stderr.write(`${SH}: ${shown}: can't execute: Exec format error\n`);
      return 126;
    }
    const child = new SimShell(this.#phone);
    child.#cwd = this.#cwd;
    return child.run(new TextDecoder().decode(content).replace(/^#!.*\n/, ''), context);
  }

  #applyRedirect(redirect: Redirect, target: string, streams: { stdin: Uint8Array; stdout: OutputSink; stderr: OutputSink }): string | null {
    if (redirect.kind === '>&') {
      const source = redirect.fd === 2 ? 'stderr' : 'stdout';
      if (target === '1') streams[source] = streams.stdout;
      else if (target === '2') streams[source] = streams.stderr;
      else return `${target}: illegal file descriptor name`;
      return null;
    }
    if (redirect.kind === '<') {
      try {
        streams.stdin = this.#phone.fs.readFile(normalizePath(target, this.#cwd));
        return null;
      } catch (error) {
        return `can't open ${target}: ${error instanceof SimFsError ? error.message : String(error)}`;
      }
    }
    const key = redirect.fd === 2 ? 'stderr' : 'stdout';
    if (target === '/dev/null') {
      streams[key] = NULL_SINK;
      return null;
    }
    const path = normalizePath(target, this.#cwd);
    try {
      this.#phone.fs.writeFile(path, new Uint8Array(0), { append: redirect.kind === '>>' });
    } catch (error) {
      return `can't create ${target}: ${error instanceof SimFsError ? error.message : String(error)}`;
    }
    const fs = this.#phone.fs;
    streams[key] = {
      write: (chunk) => {
        fs.writeFile(path, typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk, { append: true });
        return Promise.resolve();
      },
    };
    return null;
  }

  #variable(name: string): string {
    switch (name) {
      case '?':
        return String(this.#lastStatus);
      case '$':
        return '4242';
      case '#':
        return '0';
      case 'HOME':
        return '/';
      case 'PWD':
        return this.#cwd;
      case 'PATH':
        return '/product/bin:/apex/com.android.runtime/bin:/system/bin:/system/xbin:/vendor/bin';
      case 'TMPDIR':
        return '/data/local/tmp';
      case 'USER':
        return 'shell';
      default:
        return '';
    }
  }

  #cpuCount(): number {
    return this.#phone.profile.clusters.reduce((sum, cluster) => sum + cluster.cores, 0);
  }
}
