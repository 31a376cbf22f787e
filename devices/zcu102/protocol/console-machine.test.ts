import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ConsoleMachine } from './console-machine';

import type { ConsoleEvent } from './console-machine';

interface Transcript {
  description: string;
  input: string[];
  expect: { prompts: string[]; states?: string[]; notices?: string[]; finalState: string; passwordExpiredSeen: boolean };
}

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/zcu102/', import.meta.url));
const transcripts = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name, JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Transcript] as const);

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

function replay(chunks: readonly Uint8Array[]): { machine: ConsoleMachine; events: ConsoleEvent[]; expiredSeen: boolean } {
  const machine = new ConsoleMachine();
  const events: ConsoleEvent[] = [];
  let expiredSeen = false;
  for (const chunk of chunks) {
    events.push(...machine.feed(chunk));
    expiredSeen ||= machine.passwordExpired;
  }
  return { machine, events, expiredSeen };
}

function rechunk(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

describe('ConsoleMachine on recorded-format transcripts', () => {
  it('has transcripts to replay', () => {
    expect(transcripts.length).toBeGreaterThanOrEqual(6);
  });

  for (const [name, transcript] of transcripts) {
    const whole = latin1(transcript.input.join(''));
    const splits: [string, Uint8Array[]][] = [
      ['as recorded', transcript.input.map(latin1)],
      ['one byte at a time', rechunk(whole, 1)],
      ['in 7-byte chunks', rechunk(whole, 7)],
    ];
    for (const [how, chunks] of splits) {
      it(`${name}, ${how}: ${transcript.description.slice(0, 60)}`, () => {
        const { machine, events, expiredSeen } = replay(chunks);
        const prompts = events.flatMap((event) => (event.kind === 'prompt' ? [event.prompt] : []));
        expect(prompts).toEqual(transcript.expect.prompts);
        if (transcript.expect.states !== undefined) {
          expect(events.flatMap((event) => (event.kind === 'state' ? [event.to] : []))).toEqual(transcript.expect.states);
        }
        const notices = events.flatMap((event) => (event.kind === 'notice' ? [event.notice] : []));
        for (const notice of transcript.expect.notices ?? []) expect(notices).toContain(notice);
        expect(machine.state).toBe(transcript.expect.finalState);
        expect(expiredSeen).toBe(transcript.expect.passwordExpiredSeen);
      });
    }
  }
});

describe('ConsoleMachine', () => {
  it('reports a prompt once even when more bytes arrive on its line', () => {
    const machine = new ConsoleMachine();
    const first = machine.feed(latin1('zcu102 login:'));
    const second = machine.feed(latin1(' '));
    expect(first.filter((event) => event.kind === 'prompt')).toHaveLength(1);
    expect(second.filter((event) => event.kind === 'prompt')).toHaveLength(0);
  });

  it('reports a prompt redrawn after a carriage return again', () => {
    const machine = new ConsoleMachine();
    machine.feed(latin1('zcu102 login: '));
    const redrawn = machine.feed(latin1('\rzcu102 login: '));
    expect(redrawn.filter((event) => event.kind === 'prompt')).toHaveLength(1);
  });

  it('does not take echoed input or command output for a prompt', () => {
    const machine = new ConsoleMachine();
    machine.feed(latin1('xilinx-zcu102-20222:~$ '));
    const events = machine.feed(latin1('echo hello\r\nhello\r\n'));
    expect(events.filter((event) => event.kind === 'prompt')).toHaveLength(0);
    expect(events.filter((event) => event.kind === 'line').map((event) => (event.kind === 'line' ? event.text : ''))).toEqual([
      'xilinx-zcu102-20222:~$ echo hello',
      'hello',
    ]);
  });

  it('goes back to booting when the board restarts under a shell', () => {
    const machine = new ConsoleMachine();
    machine.feed(latin1('xilinx-zcu102-20222:~$ '));
    machine.feed(latin1('reboot\r\nreboot: Restarting system\r\n\r\nU-Boot SPL 2022.01 (Oct 03 2022 - 07:50:07 +0000)\r\n'));
    expect(machine.state).toBe('uboot');
  });

  it('recognises the common shell prompt shapes', () => {
    for (const prompt of ['root@xilinx-zcu102-2021_1:~# ', 'xilinx-zcu102-20222:~$ ', 'petalinux@zcu102:/tmp$ ', 'sh-5.1# ', '# ']) {
      const machine = new ConsoleMachine();
      machine.feed(latin1(prompt));
      expect(machine.state, prompt).toBe('shell');
    }
  });

  it('survives random bytes and still finds the next prompt', () => {
    const machine = new ConsoleMachine();
    let seed = 7;
    const noise = new Uint8Array(20_000).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    machine.feed(noise);
    machine.feed(latin1('\r\nxilinx-zcu102-20222 login: '));
    expect(machine.state).toBe('login');
  });
});
