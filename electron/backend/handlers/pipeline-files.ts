/**
 * Pipeline files for the editor: list a folder's `.spvit.json` files, open and save them, and keep
 * the recent files in the data folder. The same files `spvit run` runs.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

import { EditorDocumentSchema } from '../../../core/api/contracts/pipeline';
import { StudioError } from '../../../core/shared/errors';

import type { EditorDocument } from '../../../core/api/contracts/pipeline';

export const PIPELINE_SUFFIX = '.spvit.json';
const RECENT_FILE = 'recent-pipelines.json';
const RECENT_LIMIT = 12;

export interface RecentFile {
  path: string;
  name: string;
  openedAt: string;
}

export interface BrowseEntry {
  name: string;
  path: string;
  kind: 'folder' | 'pipeline';
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export function resolveInWorkspace(workspace: string, path: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(workspace, path);
}

export async function browseFolder(dir: string): Promise<{ dir: string; parent: string | null; entries: BrowseEntry[] }> {
  let listing;
  try {
    listing = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new StudioError('input/not-found', `No folder ${dir}`, { cause: error, details: { dir }, hint: 'Choose an existing folder.' });
    }
    throw new StudioError('input/invalid', `Cannot read the folder ${dir}: ${(error as Error).message}`, { cause: error, details: { dir }, hint: 'Check its permissions, or choose another folder.' });
  }
  const entries: BrowseEntry[] = [];
  for (const entry of listing) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    if (entry.isDirectory()) entries.push({ name: entry.name, path: join(dir, entry.name), kind: 'folder' });
    else if (entry.isFile() && entry.name.endsWith(PIPELINE_SUFFIX)) entries.push({ name: entry.name, path: join(dir, entry.name), kind: 'pipeline' });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
  const parent = dirname(dir);
  return { dir, parent: parent === dir ? null : parent, entries };
}

/** Reads a pipeline file into the editor's form (configs unchecked; validation reports them). */
export async function readPipelineFile(path: string): Promise<EditorDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') {
      throw new StudioError('input/not-found', `No pipeline file ${path}`, { cause: error, details: { path }, hint: 'It may have been moved or deleted; open another file.' });
    }
    throw new StudioError('input/invalid', `Cannot read ${path}: ${(error as Error).message}`, { cause: error, details: { path }, hint: 'Check the file permissions.' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StudioError('input/invalid', `${path} is not JSON: ${(error as Error).message}`, { cause: error, details: { path }, hint: 'A pipeline is a JSON file; fix the syntax near the position given.' });
  }
  const parsed = EditorDocumentSchema.safeParse(withDefaultEdges(json));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new StudioError('input/invalid', `${path} is not a pipeline document: ${problems}`, {
      details: { path },
      hint: 'A pipeline file has a version, a name, nodes and edges (see examples/).',
    });
  }
  return parsed.data;
}

/** `edges` may be left out of a file (core/pipeline defaults it to none). */
function withDefaultEdges(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  const record = json as Record<string, unknown>;
  return record['edges'] === undefined ? { ...record, edges: [] } : record;
}

export async function writePipelineFile(path: string, document: EditorDocument, overwrite: boolean): Promise<void> {
  if (!path.endsWith(PIPELINE_SUFFIX)) {
    throw new StudioError('input/invalid', `A pipeline file name ends in ${PIPELINE_SUFFIX}: ${basename(path)}`, { details: { path }, hint: `Name it like my-pipeline${PIPELINE_SUFFIX}.` });
  }
  if (!overwrite) {
    const exists = await readFile(path).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new StudioError('input/invalid', `${basename(path)} already exists`, { details: { path, exists: true }, hint: 'Choose another name, or confirm that it may be replaced.' });
    }
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a crash never leaves half a file where the user's pipeline was.
    await writeFile(`${path}.tmp`, `${JSON.stringify(document, null, 2)}\n`, 'utf8');
    await rename(`${path}.tmp`, path);
  } catch (error) {
    throw new StudioError('input/invalid', `Cannot write ${path}: ${(error as Error).message}`, { cause: error, details: { path }, hint: 'Check that the folder exists and that you may write to it.' });
  }
}

export class RecentFiles {
  readonly #file: string;

  constructor(dataDir: string) {
    this.#file = join(dataDir, RECENT_FILE);
  }

  async list(): Promise<RecentFile[]> {
    try {
      const json = JSON.parse(await readFile(this.#file, 'utf8')) as unknown;
      if (!Array.isArray(json)) return [];
      return json.filter((entry): entry is RecentFile => typeof (entry as RecentFile | null)?.path === 'string' && typeof (entry as RecentFile).openedAt === 'string');
    } catch (error) {
      // No list yet, or a damaged one: start afresh (the list is a convenience, not data).
      if (errnoOf(error) !== 'ENOENT') console.warn(`[pipeline] ignoring ${this.#file}: ${(error as Error).message}`);
      return [];
    }
  }

  async add(path: string, name: string): Promise<void> {
    const files = (await this.list()).filter((entry) => entry.path !== path);
    files.unshift({ path, name, openedAt: new Date().toISOString() });
    await mkdir(dirname(this.#file), { recursive: true });
    await writeFile(this.#file, `${JSON.stringify(files.slice(0, RECENT_LIMIT), null, 2)}\n`, 'utf8');
  }
}
