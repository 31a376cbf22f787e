import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { runCli } from './main';
import { COMMANDS } from './registry';

function capture(): { io: Parameters<typeof runCli>[1]; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { io: { stdout, stderr, signal: new AbortController().signal }, out: () => out, err: () => err };
}

describe('spvit command line', () => {
  it('lists every command of the architecture in --help', async () => {
    const { io, out } = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const name of ['serve', 'devices', 'sim', 'infer', 'profile', 'run', 'export', 'deploy', 'bench']) {
      expect(out()).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  it('loads each registered command under its own name', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
    }
  });

  it('rejects an unknown command and an unknown flag with exit code 2 and the input/invalid code', async () => {
    const unknown = capture();
    expect(await runCli(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err()).toContain("error [input/invalid]: unknown command 'frobnicate'");

    const badFlag = capture();
    expect(await runCli(['infer', '--no-such-flag'], badFlag.io)).toBe(2);
    expect(badFlag.err()).toMatch(/error \[input\/invalid\].*no-such-flag/);
    expect(badFlag.err()).toContain("hint: Run 'spvit infer --help'");
  });

  it('prints the usage of one command with --help', async () => {
    const { io, out } = capture();
    expect(await runCli(['infer', '--help'], io)).toBe(0);
    expect(out()).toMatch(/^usage: spvit infer /);
  });
});
