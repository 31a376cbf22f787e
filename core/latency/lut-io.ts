/** Reading and writing LUT files, with validation errors that name the field. */
import { readFile, writeFile } from 'node:fs/promises';

import { StudioError } from '../shared/errors';

import { LutSchema } from './lut-schema';

import type { z } from 'zod';
import type { Lut } from './lut-schema';

export interface FieldIssue {
  field: string;
  message: string;
}

/** zod path -> "tables[0].points[3].meanMs". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out.length === 0 ? String(part) : `.${String(part)}`;
  }
  return out.length === 0 ? '(root)' : out;
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message }));
}

/** Validates parsed JSON as a LUT; `origin` (a file name) appears in the error. */
export function parseLut(json: unknown, origin = 'LUT'): Lut {
  const result = LutSchema.safeParse(json);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error);
  const shown = issues.slice(0, 5).map((i) => `${i.field}: ${i.message}`).join('; ');
  const more = issues.length > 5 ? ` (+${issues.length - 5} more)` : '';
  throw new StudioError('input/invalid', `${origin} is not a valid latency table: ${shown}${more}`, {
    details: { origin, issues: issues.map((i) => ({ ...i })) },
    hint: 'Fix the named fields, or profile the device again to rebuild the table.',
  });
}

export async function readLut(path: string): Promise<Lut> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StudioError('input/not-found', `Latency table not found: ${path}`, {
        details: { path },
        hint: 'Give the path of a LUT JSON file (spvit profile --out writes one), or use an analytic table.',
      });
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StudioError('input/invalid', `${path} is not JSON: ${(error as Error).message}`, {
      cause: error,
      details: { path },
      hint: 'A LUT is a JSON file; check that it was copied completely.',
    });
  }
  return parseLut(json, path);
}

/** Validates and writes (pretty JSON, trailing newline). */
export async function writeLut(path: string, lut: Lut): Promise<void> {
  const checked = parseLut(lut, path);
  await writeFile(path, `${JSON.stringify(checked, null, 1)}\n`, 'utf8');
}
