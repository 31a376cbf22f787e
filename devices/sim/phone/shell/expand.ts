/** Word expansion: variables ($?, $VAR), field splitting of unquoted values, then pathname globs. */
import { normalizePath } from '../filesystem';

import type { SimFilesystem } from '../filesystem';
import type { Word } from './parse';

interface PatternChar {
  char: string;
  /** Unquoted: may act as a glob metacharacter. */
  active: boolean;
}

export interface ExpandContext {
  variables: (name: string) => string;
  fs: SimFilesystem;
  cwd: string;
}

function hasGlob(chars: PatternChar[]): boolean {
  return chars.some((c) => c.active && (c.char === '*' || c.char === '?' || c.char === '['));
}

function segmentRegex(chars: PatternChar[]): RegExp {
  let source = '';
  for (let index = 0; index < chars.length; index += 1) {
    const { char, active } = chars[index]!;
    if (active && char === '*') source += '[^/]*';
    else if (active && char === '?') source += '[^/]';
    else if (active && char === '[') {
      const close = chars.findIndex((c, i) => i > index + 1 && c.char === ']');
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let set = chars.slice(index + 1, close).map((c) => c.char).join('');
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      source += `[${set.replace(/\\/g, '\\\\')}]`;
      index = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  // Like sh, a leading dot must be matched explicitly.
  return new RegExp(`^${chars[0]?.char === '.' ? '' : '(?!\\.)'}${source}$`);
}

function splitSegments(chars: PatternChar[]): PatternChar[][] {
  const segments: PatternChar[][] = [[]];
  for (const c of chars) {
    if (c.char === '/') segments.push([]);
    else segments[segments.length - 1]!.push(c);
  }
  return segments;
}

function globExpand(chars: PatternChar[], context: ExpandContext): string[] {
  const absolute = chars[0]?.char === '/';
  const segments = splitSegments(chars).filter((segment, index) => !(index === 0 && absolute && segment.length === 0));
  let paths = [absolute ? '/' : normalizePath('.', context.cwd)];
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of paths) {
      if (!hasGlob(segment)) {
        next.push(base === '/' ? `/${segment.map((c) => c.char).join('')}` : `${base}/${segment.map((c) => c.char).join('')}`);
        continue;
      }
      const node = context.fs.lookup(base);
      if (node?.kind !== 'dir') continue;
      const regex = segmentRegex(segment);
      for (const [name] of context.fs.list(base)) {
        if (regex.test(name)) next.push(base === '/' ? `/${name}` : `${base}/${name}`);
      }
    }
    paths = next;
  }
  const existing = paths.filter((path) => context.fs.lookup(path) !== null);
  if (!absolute) {
    const prefix = `${normalizePath('.', context.cwd).replace(/\/$/, '')}/`;
    return existing.map((path) => (path.startsWith(prefix) ? path.slice(prefix.length) : path));
  }
  return existing;
}

/** Expands one word into zero or more arguments. */
export function expandWord(word: Word, context: ExpandContext): string[] {
  const fields: PatternChar[][] = [[]];
  let sawQuoted = false;
  for (const part of word) {
    if (part.quoted) sawQuoted = true;
    if (part.variable !== undefined) {
      const value = context.variables(part.variable);
      if (part.quoted) {
        fields[fields.length - 1]!.push(...[...value].map((char) => ({ char, active: false })));
        continue;
      }
      const pieces = value.split(/[ \t\n]+/);
      pieces.forEach((piece, index) => {
        if (index > 0) fields.push([]);
        fields[fields.length - 1]!.push(...[...piece].map((char) => ({ char, active: false })));
      });
      continue;
    }
    fields[fields.length - 1]!.push(...[...part.text].map((char) => ({ char, active: !part.quoted })));
  }
  const result: string[] = [];
  for (const field of fields) {
    if (field.length === 0 && !sawQuoted) continue;
    const text = field.map((c) => c.char).join('');
    if (hasGlob(field)) {
      const matches = globExpand(field, context);
      result.push(...(matches.length > 0 ? matches : [text]));
    } else {
      result.push(text);
    }
  }
  return result;
}
