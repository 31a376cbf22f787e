#!/usr/bin/env node
// `npm start`: the Electron app when Electron's binary is installed; otherwise the same studio in
// the browser (builds the web UI when it is missing or older than its sources, runs `spvit serve`,
// opens the printed URL). Never fails just because Electron is missing.
// Arguments after `npm start --` go to `spvit serve` (e.g. `npm start -- --port 8080`);
// SPVIT_NO_BROWSER=1 or --no-browser keeps the browser closed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const WEB_SOURCES = ['renderer', 'core/api', 'core/shared'];

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    // Not installed, or installed without its binary (no internet at install time).
    return null;
  }
}

function runOrExit(args, what) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`start: ${what} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

function newestMtimeMs(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

function webBuildIsCurrent() {
  const index = join(root, 'renderer', 'dist', 'index.html');
  if (!existsSync(index)) return false;
  const builtAt = statSync(index).mtimeMs;
  return WEB_SOURCES.every((source) => !existsSync(join(root, source)) || newestMtimeMs(join(root, source)) <= builtAt);
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** The command that opens a URL in the default browser, or null where there is no display. */
function browserOpener() {
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""'];
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
  return findOnPath('xdg-open') === null ? null : ['xdg-open'];
}

function openBrowser(url) {
  const opener = browserOpener();
  if (opener === null) {
    console.log('start: no display to open a browser on; open the URL above yourself.');
    return;
  }
  const [command, ...args] = opener;
  const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
  child.on('error', (error) => console.warn(`start: could not open a browser (${error.message}); open the URL above yourself.`));
  child.unref();
}

function startElectron(binary) {
  runOrExit([require.resolve('electron-vite/bin/electron-vite.js'), 'build'], 'electron-vite build');
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
}

function startWeb() {
  console.log("start: Electron's binary is not installed; running the studio in the browser.");
  if (webBuildIsCurrent()) {
    console.log('start: the web UI in renderer/dist is up to date.');
  } else {
    runOrExit([require.resolve('vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts'], 'building the web UI');
  }
  const args = process.argv.slice(2);
  const noBrowser = args.includes('--no-browser') || process.env.SPVIT_NO_BROWSER === '1';
  const serveArgs = args.filter((arg) => arg !== '--no-browser');
  const child = spawn(process.execPath, [join(root, 'bin', 'spvit.js'), 'serve', ...serveArgs], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(line);
    const match = /^studio: (\S+)$/.exec(line);
    if (match !== null && !noBrowser) openBrowser(match[1]);
  });
  // Ctrl+C reaches the child through the terminal's process group; a plain kill is passed on.
  process.on('SIGTERM', () => child.kill('SIGINT'));
  process.on('SIGINT', () => {
    // The child got the same SIGINT and shuts down cleanly; wait for it.
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
}

const binary = electronBinary();
if (binary === null) startWeb();
else startElectron(binary);
