/**
 * The layers of docs/style.md §1 are enforced by the compiler first. Each case writes one file
 * into a scratch project that extends the real layer tsconfig and checks that `tsc -b` refuses
 * it (and accepts a harmless file, so the setup itself is sound).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const electronTypesInstalled = existsSync(join(ROOT, 'node_modules/electron/electron.d.ts'));

let scratchRoot: string;

beforeAll(async () => {
  // Inside the repository, so 'electron' would resolve from node_modules if the layer allowed it.
  await mkdir(join(ROOT, '.tsbuild'), { recursive: true });
  scratchRoot = await mkdtemp(join(ROOT, '.tsbuild', 'layer-test-'));
});

afterAll(async () => {
  await rm(scratchRoot, { recursive: true, force: true });
});

interface CompileResult {
  ok: boolean;
  output: string;
}

async function compileAgainst(layerConfig: string, source: string, extraOptions: Record<string, unknown> = {}): Promise<CompileResult> {
  const dir = await mkdtemp(join(scratchRoot, 'case-'));
  await writeFile(join(dir, 'probe.ts'), source);
  const config = {
    extends: relative(dir, join(ROOT, layerConfig)),
    compilerOptions: { outDir: './out', rootDir: '.', ...extraOptions },
    include: ['probe.ts'],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-b', join(dir, 'tsconfig.json')], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}` });
    });
  });
}

describe.concurrent('layer boundaries (tsc -b)', () => {
  it('accepts a harmless file in core/ (the scratch setup compiles)', async () => {
    const result = await compileAgainst('core/tsconfig.json', 'export const answer: number = 42;\n');
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('refuses electron in core/', async () => {
    const result = await compileAgainst('core/tsconfig.json', "import { app } from 'electron';\nexport const name = app.getName();\n");
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/probe\.ts.*(forbidden-import\.d\.ts' is not a module|Cannot find module 'electron')/);
  });

  it.runIf(electronTypesInstalled)('refuses electron in core/ because of the layer config, not by chance', async () => {
    const withoutGuard = await compileAgainst('core/tsconfig.json', "import type { App } from 'electron';\nexport type A = App;\n", { paths: {} });
    expect(withoutGuard.output).toBe('');
    expect(withoutGuard.ok).toBe(true);
  });

  it('refuses electron in devices/', async () => {
    const result = await compileAgainst('devices/tsconfig.json', "import type { App } from 'electron';\nexport type A = App;\n");
    expect(result.ok).toBe(false);
    expect(result.output).toContain('probe.ts');
  });

  it('refuses node:fs in the renderer', async () => {
    const harmless = await compileAgainst('renderer/tsconfig.json', 'export const title: string = document.title;\n');
    expect(harmless.output).toBe('');
    const result = await compileAgainst('renderer/tsconfig.json', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/probe\.ts.*node:fs/);
  });

  it('refuses electron in the renderer', async () => {
    const result = await compileAgainst('renderer/tsconfig.json', "import { ipcRenderer } from 'electron';\nexport const ipc = ipcRenderer;\n");
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/probe\.ts.*forbidden-import\.d\.ts' is not a module/);
  });

  it('refuses process in core/api and Buffer in core/shared', async () => {
    const api = await compileAgainst('core/api/tsconfig.json', "export const mode = process.env['NODE_ENV'];\n");
    expect(api.ok).toBe(false);
    expect(api.output).toMatch(/probe\.ts.*'process'/);
    const shared = await compileAgainst('core/shared/tsconfig.json', 'export const bytes = Buffer.from("x");\n');
    expect(shared.ok).toBe(false);
    expect(shared.output).toMatch(/probe\.ts.*'Buffer'/);
  });

  it('refuses node:fs and electron in core/api', async () => {
    const result = await compileAgainst('core/api/tsconfig.json', "import { readFile } from 'node:fs';\nimport { app } from 'electron';\nexport const used = [readFile, app];\n");
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/probe\.ts\(1,/);
    expect(result.output).toMatch(/probe\.ts\(2,/);
  });
});
