import { request } from 'node:http';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startStudioServer } from '../server';

import type { Dispatcher } from '../../core/api/transport';
import type { StudioServer } from '../server';

const idle: Dispatcher = {
  dispatch: () => Promise.resolve({ ok: true, result: null }),
  onEvent: () => () => undefined,
};

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw request, so paths like `/../x` reach the server as written. */
function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files of the built renderer', () => {
  let scratch: string;
  let server: StudioServer;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'spvit-static-'));
    const dist = join(scratch, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>studio</title>');
    await writeFile(join(dist, 'assets', 'app-1234.js'), 'console.log(1);');
    await writeFile(join(dist, 'assets', 'app-1234.css'), 'body{}');
    await writeFile(join(dist, 'assets', 'tfjs-backend-wasm-simd.wasm'), Buffer.from([0, 97, 115, 109]));
    await writeFile(join(dist, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(scratch, 'secret.txt'), 'do not serve');
    await symlink(join(scratch, 'secret.txt'), join(dist, 'assets', 'escape.txt'));
    server = await startStudioServer({ dispatcher: idle, port: 0, staticDir: dist });
  });

  afterAll(async () => {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('serves index.html at / with security headers and no referrer for the token', async () => {
    const answer = await get(server.port, '/?token=abc');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('<title>studio</title>');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('serves assets with their content types', async () => {
    expect((await get(server.port, '/assets/app-1234.js')).contentType).toBe('text/javascript; charset=utf-8');
    expect((await get(server.port, '/assets/app-1234.css')).contentType).toBe('text/css; charset=utf-8');
    expect((await get(server.port, '/assets/tfjs-backend-wasm-simd.wasm')).contentType).toBe('application/wasm');
    expect((await get(server.port, '/assets/logo.svg')).contentType).toBe('image/svg+xml');
  });

  it('answers client-side routes with index.html and missing files with 404', async () => {
    const route = await get(server.port, '/runs/demo-1/charts');
    expect(route.status).toBe(200);
    expect(route.body).toContain('<title>studio</title>');
    expect((await get(server.port, '/assets/missing.js')).status).toBe(404);
  });

  it('never serves anything outside the folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/escape.txt']) {
      const answer = await get(server.port, path);
      expect(answer.body, path).not.toContain('do not serve');
      expect([400, 404], path).toContain(answer.status);
    }
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const head = await get(server.port, '/assets/app-1234.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('15');
    expect((await get(server.port, '/', 'POST')).status).toBe(405);
  });

  it('explains how to build the web UI when there is no build', async () => {
    const bare = await startStudioServer({ dispatcher: idle, port: 0, staticDir: join(scratch, 'not-built') });
    try {
      const answer = await get(bare.port, '/');
      expect(answer.status).toBe(500);
      expect(answer.contentType).toBe('text/html; charset=utf-8');
      expect(answer.body).toContain('npm run build:web');
    } finally {
      await bare.close();
    }
  });
});
