import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OpenedFileQueue, pipelineFilesIn, readPipelineFile } from './open-files';

import type { OpenedFile } from '../../core/api/contracts/app';

describe('pipeline files from the OS', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spvit-open-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('picks the .spvit.json arguments and makes them absolute', () => {
    const argv = ['--inspect', 'train.spvit.json', '/abs/Other.SPVIT.JSON', 'notes.json', '.'];
    expect(pipelineFilesIn(argv, '/home/me')).toEqual(['/home/me/train.spvit.json', '/abs/Other.SPVIT.JSON']);
  });

  it('reads a pipeline file and refuses a missing one with input/not-found', async () => {
    const path = join(dir, 'a.spvit.json');
    await writeFile(path, '{"version":1}');
    expect(await readPipelineFile(path)).toEqual({ path, contents: '{"version":1}' });
    await expect(readPipelineFile(join(dir, 'missing.spvit.json'))).rejects.toMatchObject({ code: 'input/not-found' });
    await expect(readPipelineFile(dir)).rejects.toMatchObject({ code: 'input/invalid' });
  });

  it('holds files until the page has loaded, then delivers in order', () => {
    const queue = new OpenedFileQueue();
    const delivered: OpenedFile[] = [];
    queue.push({ path: '/a', contents: 'a' });
    queue.push({ path: '/b', contents: 'b' });
    expect(delivered).toEqual([]);
    queue.open((file) => delivered.push(file));
    queue.push({ path: '/c', contents: 'c' });
    queue.close();
    queue.push({ path: '/d', contents: 'd' });
    expect(delivered.map((file) => file.path)).toEqual(['/a', '/b', '/c']);
  });
});
