import { describe, expect, it } from 'vitest';

import { GALAXY_S20 } from '../profiles/galaxy-s20';
import { MOTO_E5_PLAY } from '../profiles/moto-e5-play';
import { SimPhone } from '../sim-phone';

import { SimShell } from './shell';

import type { OutputSink } from './command';

async function run(phone: SimPhone, line: string, signal = new AbortController().signal): Promise<{ output: string; status: number }> {
  let output = '';
  const sink: OutputSink = {
    write: (chunk) => {
      output += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      return Promise.resolve();
    },
  };
  const status = await new SimShell(phone).run(line, { stdout: sink, stderr: sink, signal });
  return { output, status };
}

function phone(): SimPhone {
  return new SimPhone({ profile: structuredClone(GALAXY_S20), seed: 7 });
}

describe('SimShell', () => {
  it('answers getprop for one key and lists all keys in [key]: [value] form', async () => {
    const sim = phone();
    expect(await run(sim, 'getprop ro.product.model')).toEqual({ output: 'SM-G980F\n', status: 0 });
    expect((await run(sim, 'getprop')).output).toContain('[ro.soc.model]: [S5E9830]\n');
    expect((await run(sim, 'getprop no.such.key fallback')).output).toBe('fallback\n');
  });

  it('expands cpu globs in order and reads the max frequencies of the 4+2+2 clusters', async () => {
    const { output } = await run(phone(), 'cat /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq');
    expect(output.trim().split('\n').map(Number)).toEqual([2002000, 2002000, 2002000, 2002000, 2504000, 2504000, 2730000, 2730000]);
  });

  it('joins lists with ;, && and ||, and exposes $?', async () => {
    const sim = phone();
    expect((await run(sim, 'false && echo no || echo yes; echo "rc=$?"')).output).toBe('yes\nrc=0\n');
    expect((await run(sim, "ls /nope; echo 'rc='$?")).output).toBe('ls: /nope: No such file or directory\nrc=1\n');
  });

  it('redirects output to files, appends, discards to /dev/null and pipes into grep', async () => {
    const sim = phone();
    await run(sim, 'echo one > /data/local/tmp/f.txt; echo two >> /data/local/tmp/f.txt; cat /nope 2>/dev/null');
    expect((await run(sim, 'cat /data/local/tmp/f.txt | grep -c o')).output).toBe('2\n');
    expect(await run(sim, 'echo x > /system/x')).toEqual({ output: "/system/bin/sh: can't create /system/x: Read-only file system\n", status: 1 });
  });

  it('manages files with mkdir -p, mv, chmod and rm -rf', async () => {
    const sim = phone();
    await run(sim, 'mkdir -p /data/local/tmp/a/b && echo hi > /data/local/tmp/a/b/c && mv /data/local/tmp/a/b/c /data/local/tmp/d');
    expect((await run(sim, 'ls /data/local/tmp/a/b; cat /data/local/tmp/d')).output).toBe('hi\n');
    await run(sim, 'chmod +x /data/local/tmp/d');
    expect((sim.fs.stat('/data/local/tmp/d').mode & 0o777).toString(8)).toBe('777');
    await run(sim, 'chmod 640 /data/local/tmp/d');
    expect((sim.fs.stat('/data/local/tmp/d').mode & 0o777).toString(8)).toBe('640');
    expect((await run(sim, 'rm /data/local/tmp/a; echo $?')).output).toBe('rm: /data/local/tmp/a: Is a directory\n1\n');
    expect((await run(sim, 'rm -rf /data/local/tmp/a /data/local/tmp/none; echo $?')).output).toBe('0\n');
    expect(sim.fs.lookup('/data/local/tmp/a')).toBeNull();
  });

  it('fails like mksh for unknown commands and files that are missing or not executable', async () => {
    const sim = phone();
    expect(await run(sim, 'frobnicate')).toEqual({ output: '/system/bin/sh: frobnicate: inaccessible or not found\n', status: 127 });
    expect(await run(sim, '/data/local/tmp/benchmark_model --graph=x')).toEqual({ output: '/system/bin/sh: /data/local/tmp/benchmark_model: inaccessible or not found\n', status: 127 });
    sim.fs.writeFile('/data/local/tmp/benchmark_model', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0]), { permissions: 0o644 });
    expect(await run(sim, '/data/local/tmp/benchmark_model')).toEqual({ output: "/system/bin/sh: /data/local/tmp/benchmark_model: can't execute: Permission denied\n", status: 126 });
    sim.fs.writeFile('/data/local/tmp/other', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0]), { permissions: 0o755 });
    expect((await run(sim, '/data/local/tmp/other')).status).toBe(126);
  });

  it('runs commands under taskset with the mask, and rejects masks with no online cpu', async () => {
    const sim = phone();
    expect((await run(sim, 'taskset f0 echo pinned')).output).toBe('pinned\n');
    expect(await run(sim, 'taskset 100 echo never')).toEqual({ output: 'taskset: sched_setaffinity: Invalid argument\n', status: 1 });
    expect((await run(sim, 'taskset zz echo never')).status).toBe(1);
  });

  it('prints dumpsys battery with the battery zone temperature in tenths of a degree', async () => {
    const { output } = await run(phone(), 'dumpsys battery');
    expect(output).toMatch(/^Current Battery Service state:\n/);
    expect(output).toContain('  level: 84\n');
    expect(output).toMatch(/ {2}temperature: \d{3}\n/);
  });

  it('hashes files like sha256sum and md5sum', async () => {
    const sim = phone();
    sim.fs.writeFile('/data/local/tmp/abc', new TextEncoder().encode('abc'));
    expect((await run(sim, 'sha256sum /data/local/tmp/abc')).output).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  /data/local/tmp/abc\n');
    expect((await run(sim, 'md5sum /data/local/tmp/abc')).output).toBe('900150983cd24fb0d6963f7d28e17f72  /data/local/tmp/abc\n');
  });

  it('stops a sleeping command when its stream is closed', async () => {
    const controller = new AbortController();
    const running = run(phone(), 'sleep 600; echo after', controller.signal);
    controller.abort();
    expect(await running).toEqual({ output: '', status: 143 });
  });

  it('reports syntax errors with status 2', async () => {
    expect(await run(phone(), "echo 'unterminated")).toEqual({ output: "/system/bin/sh: unterminated '\n", status: 2 });
  });

  it('has no ro.soc.model on a phone older than Android 12', async () => {
    const old = new SimPhone({ profile: structuredClone(MOTO_E5_PLAY) });
    expect((await run(old, 'getprop ro.soc.model; getprop ro.board.platform')).output).toBe('\nmsm8937\n');
  });
});
