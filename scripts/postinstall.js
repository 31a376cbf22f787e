#!/usr/bin/env node
// Electron is an optional dependency whose own install script downloads a binary. Where that
// download cannot happen (no internet besides the npm registry), npm drops the package, and with
// it the type definitions that electron/main and electron/preload are type-checked against.
// This puts the electron npm package itself (no binary, no install script run) in its place.
// It never fails the install: every problem is a warning.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'node_modules', 'electron');

function wantedSpec() {
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) {
    const locked = JSON.parse(readFileSync(lock, 'utf8')).packages?.['node_modules/electron']?.version;
    if (typeof locked === 'string') return `electron@${locked}`;
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const range = manifest.optionalDependencies?.electron ?? manifest.devDependencies?.electron;
  if (typeof range !== 'string') throw new Error('package.json does not name electron');
  return `electron@${range}`;
}

function npmPack(spec, destination) {
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  const output = execFileSync(command, [...prefix, 'pack', spec, '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: destination,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const [packed] = JSON.parse(output);
  return join(destination, packed.filename);
}

function readString(block, offset, length) {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

/** A minimal ustar reader: regular files and folders, `package/` stripped, nothing outside `into`. */
function untar(archive, into) {
  let offset = 0;
  let longName = null;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = parseInt(readString(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = readString(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
    longName = null;
    const body = archive.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const path = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      longName = path ? path[1] : null;
      continue;
    }
    if (type !== '0' && type !== '5') continue;
    name = name.replace(/^package\//, '');
    const destination = resolve(into, name);
    if (!destination.startsWith(into + sep)) throw new Error(`unsafe path in the electron package: ${name}`);
    if (type === '5') {
      mkdirSync(destination, { recursive: true });
    } else {
      mkdirSync(dirname(destination), { recursive: true });
      writeFileSync(destination, body);
    }
  }
}

function main() {
  if (existsSync(join(target, 'package.json'))) return;
  const spec = wantedSpec();
  const scratch = mkdtempSync(join(tmpdir(), 'spvit-electron-'));
  try {
    const tarball = npmPack(spec, scratch);
    untar(gunzipSync(readFileSync(tarball)), target);
    console.warn(
      `postinstall: Electron's binary is not installed; unpacked ${spec} (types only) so the Electron code type-checks. ` +
        "'npm start' runs the studio in the browser instead.",
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  rmSync(target, { recursive: true, force: true });
  console.warn(`postinstall: warning: could not fetch electron's type definitions (${error instanceof Error ? error.message : String(error)}).`);
  console.warn('postinstall: the studio still runs in the browser; only type-checking electron/main needs them.');
}
