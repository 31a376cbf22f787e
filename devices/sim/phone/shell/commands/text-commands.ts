/** Small tools: echo, grep, sleep, true, false, id, whoami, uname, nproc, pwd. */
import { setTimeout as sleepMs } from 'node:timers/promises';

import { normalizePath, SimFsError } from '../../filesystem';
import { commandError } from '../command';

import type { SimCommand } from '../command';

const echo: SimCommand = async (context) => {
  let args = context.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] !== undefined && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false;
    if (args[0].includes('e')) escapes = true;
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
  await context.stdout.write(newline ? `${text}\n` : text);
  return 0;
};

const grep: SimCommand = async (context) => {
  const flags = new Set<string>();
  const patterns: string[] = [];
  const files: string[] = [];
  const args = context.argv.slice(1);
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '-e') patterns.push(args[++index] ?? '');
    else if (arg.startsWith('-') && arg.length > 1 && files.length === 0 && patterns.length === 0) for (const flag of arg.slice(1)) flags.add(flag);
    else if (patterns.length === 0 && !flags.has('e')) patterns.push(arg);
    else files.push(arg);
  }
  if (patterns.length === 0) {
    await commandError(context, 'No pattern');
    return 2;
  }
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = patterns.map((pattern) => (flags.has('F') ? escape(pattern) : pattern)).join('|');
  const regex = new RegExp(source, flags.has('i') ? 'i' : '');
  const withNames = flags.has('H') || (files.length > 1 && !flags.has('h'));
  let matched = false;
  let status = 0;
  const inputs = files.length > 0 ? files : ['-'];
  for (const file of inputs) {
    let text: string;
    try {
      text = new TextDecoder().decode(file === '-' ? context.stdin : context.phone.fs.readFile(normalizePath(file, context.cwd)));
    } catch (error) {
      if (!(error instanceof SimFsError)) throw error;
      if (!flags.has('s')) await commandError(context, `${file}: ${error.message}`);
      status = 2;
      continue;
    }
    let count = 0;
    for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) {
      if (regex.test(line) === flags.has('v')) continue;
      matched = true;
      count += 1;
      if (!flags.has('q') && !flags.has('c')) await context.stdout.write(`${withNames ? `${file}:` : ''}${line}\n`);
    }
    if (flags.has('c')) await context.stdout.write(`${withNames ? `${file}:` : ''}${count}\n`);
  }
  return matched ? 0 : status === 0 ? 1 : status;
};

const sleep: SimCommand = async (context) => {
  const seconds = Number(context.argv[1]);
  if (!Number.isFinite(seconds) || seconds < 0) {
    await commandError(context, `invalid number '${context.argv[1] ?? ''}'`);
    return 1;
  }
  try {
    await sleepMs(context.phone.state.wallMsFor(seconds * 1000), undefined, { signal: context.signal });
  } catch {
    // Killed by the host closing the stream: the shell stops with the signal's status.
    return 143;
  }
  return 0;
};

const fixed = (text: string): SimCommand => async (context) => {
  await context.stdout.write(text);
  return 0;
};

export const TEXT_COMMANDS: Record<string, SimCommand> = {
  echo,
  grep,
  sleep,
  true: () => Promise.resolve(0),
  false: () => Promise.resolve(1),
  id: fixed('uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid) context=u:r:shell:s0\n'),
  whoami: fixed('shell\n'),
  pwd: async (context) => {
    await context.stdout.write(`${context.cwd}\n`);
    return 0;
  },
  uname: async (context) => {
    const abi = context.phone.getprop('ro.product.cpu.abi') ?? 'arm64-v8a';
    const machine = abi.startsWith('arm64') ? 'aarch64' : 'armv8l';
    const all = `Linux localhost 4.19.113-perf #1 SMP PREEMPT ${machine} Toybox`;
    await context.stdout.write(`${context.argv.includes('-a') ? all : context.argv.includes('-m') ? machine : 'Linux'}\n`);
    return 0;
  },
  nproc: async (context) => {
    await context.stdout.write(`${context.phone.profile.clusters.reduce((sum, cluster) => sum + cluster.cores, 0)}\n`);
    return 0;
  },
};
