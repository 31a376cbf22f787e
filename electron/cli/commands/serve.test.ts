import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createClient } from '../../../core/api/client';
import { contract } from '../../../core/api/contract';
import { createWebSocketTransport } from '../../../core/api/websocket-transport';
import { runCli } from '../main';

function capture(): { stream: Writable; text: () => string; line: (pattern: RegExp) => Promise<string> } {
  let text = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      for (const waiter of [...waiters]) {
        const match = text.split('\n').find((line) => waiter.pattern.test(line));
        if (match !== undefined) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
      callback();
    },
  });
  return {
    stream,
    text: () => text,
    line: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}

describe('spvit serve', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spvit-serve-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints `studio: <url>` on a line of its own, serves the backend, and stops on abort', async () => {
    const stdout = capture();
    const stderr = capture();
    const controller = new AbortController();
    const exit = runCli(['serve', '--port', '0', '--data-dir', dataDir], { stdout: stdout.stream, stderr: stderr.stream, signal: controller.signal });
    const line = await stdout.line(/^studio: /);
    expect(line).toMatch(/^studio: http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+$/);

    const page = new URL(line.slice('studio: '.length));
    const socket = new WebSocket(`ws://${page.host}/api${page.search}`);
    const transport = createWebSocketTransport(socket);
    await transport.ready();
    const client = createClient(contract, transport);
    expect((await client.api.system.info({})).host).toBe('web');
    const closed = new Promise<void>((resolve) => transport.onStateChange((state) => state === 'closed' && resolve()));

    controller.abort();
    expect(await exit).toBe(0);
    await closed;
    expect(stderr.text()).toContain('stopping');
  });

  it('refuses a port out of range with a usage error', async () => {
    const stderr = capture();
    const code = await runCli(['serve', '--port', '70000'], { stdout: capture().stream, stderr: stderr.stream, signal: new AbortController().signal });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('error [input/invalid]: --port must be an integer from 0 to 65535');
  });
});
