import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ZCU102 = fileURLToPath(new URL('../', import.meta.url));
const ALLOWED_DIRS = [join(ZCU102, 'agent'), join(ZCU102, 'protocol')];
const IMPORT = /^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm;

function sources(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => join(dir, name));
}

describe('the board agent', () => {
  it('needs only Node and its own folders at run time (it is copied to the board)', () => {
    const offending: string[] = [];
    for (const file of ALLOWED_DIRS.flatMap(sources)) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const [, typeOnly, specifier = ''] = match;
        if (typeOnly !== undefined || specifier.startsWith('node:')) continue;
        const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : specifier;
        if (!ALLOWED_DIRS.some((dir) => target.startsWith(`${dir}/`))) {
          offending.push(`${relative(ZCU102, file)} imports ${specifier}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
