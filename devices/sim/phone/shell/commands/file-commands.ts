/** toybox file tools: cat, ls, rm, mkdir, mv, chmod, touch, sha256sum, md5sum. */
import { createHash } from 'node:crypto';

import { normalizePath, S_IFDIR, SimFsError } from '../../filesystem';
import { commandError } from '../command';

import type { CommandContext, SimCommand } from '../command';

function splitFlags(argv: string[]): { flags: Set<string>; operands: string[] } {
  const flags = new Set<string>();
  const operands: string[] = [];
  let flagsDone = false;
  for (const arg of argv.slice(1)) {
    if (!flagsDone && arg === '--') flagsDone = true;
    else if (!flagsDone && arg.startsWith('-') && arg.length > 1) for (const flag of arg.slice(1)) flags.add(flag);
    else operands.push(arg);
  }
  return { flags, operands };
}

async function reportFsError(context: CommandContext, path: string, error: unknown): Promise<void> {
  if (!(error instanceof SimFsError)) throw error;
  await commandError(context, `${path}: ${error.message}`);
}

const cat: SimCommand = async (context) => {
  const { operands } = splitFlags(context.argv);
  if (operands.length === 0) {
    await context.stdout.write(context.stdin);
    return 0;
  }
  let status = 0;
  for (const operand of operands) {
    try {
      await context.stdout.write(operand === '-' ? context.stdin : context.phone.fs.readFile(normalizePath(operand, context.cwd)));
    } catch (error) {
      await reportFsError(context, operand, error);
      status = 1;
    }
  }
  return status;
};

function modeString(mode: number): string {
  const type = (mode & S_IFDIR) === S_IFDIR ? 'd' : '-';
  let bits = '';
  for (let shift = 6; shift >= 0; shift -= 3) {
    const triple = (mode >> shift) & 7;
    bits += `${triple & 4 ? 'r' : '-'}${triple & 2 ? 'w' : '-'}${triple & 1 ? 'x' : '-'}`;
  }
  return type + bits;
}

function longLine(context: CommandContext, path: string, name: string): string {
  const stat = context.phone.fs.stat(path);
  const owner = stat.uid === 2000 ? 'shell' : 'root';
  const date = new Date(stat.mtimeS * 1000).toISOString();
  return `${modeString(stat.mode)} ${stat.nlink} ${owner} ${owner} ${String(stat.sizeBytes).padStart(8)} ${date.slice(0, 10)} ${date.slice(11, 16)} ${name}\n`;
}

const ls: SimCommand = async (context) => {
  const { flags, operands } = splitFlags(context.argv);
  const targets = operands.length > 0 ? operands : ['.'];
  let status = 0;
  for (const target of targets) {
    const path = normalizePath(target, context.cwd);
    const node = context.phone.fs.lookup(path);
    if (node === null) {
      await commandError(context, `${target}: No such file or directory`);
      status = 1;
      continue;
    }
    if (targets.length > 1 && node.kind === 'dir' && !flags.has('d')) await context.stdout.write(`${target}:\n`);
    if (node.kind !== 'dir' || flags.has('d')) {
      await context.stdout.write(flags.has('l') ? longLine(context, path, target) : `${target}\n`);
      continue;
    }
    const entries = context.phone.fs.list(path).filter(([name]) => flags.has('a') || !name.startsWith('.'));
    if (flags.has('l')) await context.stdout.write(`total ${entries.length * 8}\n`);
    for (const [name] of entries) {
      await context.stdout.write(flags.has('l') ? longLine(context, `${path}/${name}`, name) : `${name}\n`);
    }
  }
  return status;
};

const rm: SimCommand = async (context) => {
  const { flags, operands } = splitFlags(context.argv);
  if (operands.length === 0 && !flags.has('f')) {
    await commandError(context, 'Needs 1 argument');
    return 1;
  }
  let status = 0;
  for (const operand of operands) {
    try {
      context.phone.fs.remove(normalizePath(operand, context.cwd), { recursive: flags.has('r') || flags.has('R') });
    } catch (error) {
      if (flags.has('f') && error instanceof SimFsError && error.errno === 'ENOENT') continue;
      await reportFsError(context, operand, error);
      status = 1;
    }
  }
  return status;
};

const mkdir: SimCommand = async (context) => {
  const { flags, operands } = splitFlags(context.argv);
  let status = 0;
  for (const operand of operands) {
    try {
      context.phone.fs.mkdir(normalizePath(operand, context.cwd), { parents: flags.has('p') });
    } catch (error) {
      await reportFsError(context, operand, error);
      status = 1;
    }
  }
  return status;
};

const mv: SimCommand = async (context) => {
  const { operands } = splitFlags(context.argv);
  if (operands.length !== 2) {
    await commandError(context, 'Needs 2 arguments');
    return 1;
  }
  try {
    context.phone.fs.rename(normalizePath(operands[0]!, context.cwd), normalizePath(operands[1]!, context.cwd));
    return 0;
  } catch (error) {
    await reportFsError(context, operands[0]!, error);
    return 1;
  }
};

/** Applies an octal (755) or symbolic (+x, u+rwx,go-w) mode to `current`. */
export function applyMode(spec: string, current: number): number | null {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = current;
  for (const clause of spec.split(',')) {
    const match = /^([ugoa]*)([+\-=])([rwxXst]*)$/.exec(clause);
    if (match === null) return null;
    const who = match[1] === '' || match[1]!.includes('a') ? 'ugo' : match[1]!;
    let bits = 0;
    for (const perm of match[3]!) {
      const value = perm === 'r' ? 4 : perm === 'w' ? 2 : perm === 'x' || perm === 'X' ? 1 : 0;
      if (who.includes('u')) bits |= value << 6;
      if (who.includes('g')) bits |= value << 3;
      if (who.includes('o')) bits |= value;
    }
    if (match[2] === '+') mode |= bits;
    else if (match[2] === '-') mode &= ~bits;
    else mode = (mode & ~((who.includes('u') ? 0o700 : 0) | (who.includes('g') ? 0o70 : 0) | (who.includes('o') ? 0o7 : 0))) | bits;
  }
  return mode;
}

const chmod: SimCommand = async (context) => {
  // Symbolic modes may start with '-' (chmod -x FILE), so only -R is taken as a flag.
  const [rawMode = '', ...files] = context.argv.slice(1).filter((arg) => arg !== '-R');
  if (files.length === 0) {
    await commandError(context, 'Needs 2 arguments');
    return 1;
  }
  let status = 0;
  for (const file of files) {
    const path = normalizePath(file, context.cwd);
    try {
      const current = context.phone.fs.stat(path).mode & 0o7777;
      const mode = applyMode(rawMode, current);
      if (mode === null) {
        await commandError(context, `bad mode '${rawMode}'`);
        return 1;
      }
      context.phone.fs.chmod(path, mode);
    } catch (error) {
      await reportFsError(context, file, error);
      status = 1;
    }
  }
  return status;
};

const touch: SimCommand = async (context) => {
  const { operands } = splitFlags(context.argv);
  let status = 0;
  for (const operand of operands) {
    const path = normalizePath(operand, context.cwd);
    try {
      if (context.phone.fs.lookup(path) === null) context.phone.fs.writeFile(path, new Uint8Array(0));
    } catch (error) {
      await reportFsError(context, operand, error);
      status = 1;
    }
  }
  return status;
};

function hashCommand(algorithm: 'sha256' | 'md5'): SimCommand {
  return async (context) => {
    const { operands } = splitFlags(context.argv);
    let status = 0;
    for (const operand of operands.length > 0 ? operands : ['-']) {
      try {
        const data = operand === '-' ? context.stdin : context.phone.fs.readFile(normalizePath(operand, context.cwd));
        await context.stdout.write(`${createHash(algorithm).update(data).digest('hex')}  ${operand}\n`);
      } catch (error) {
        await reportFsError(context, operand, error);
        status = 1;
      }
    }
    return status;
  };
}

export const FILE_COMMANDS: Record<string, SimCommand> = {
  cat,
  ls,
  rm,
  mkdir,
  mv,
  chmod,
  touch,
  sha256sum: hashCommand('sha256'),
  md5sum: hashCommand('md5'),
};
