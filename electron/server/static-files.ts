/**
 * Serves the built renderer (renderer/dist): correct content types, nothing outside the folder,
 * and index.html for client-side routes. A missing build gets a page that says how to make it.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { mimeTypeFor } from './mime-types';

import type { IncomingMessage, ServerResponse } from 'node:http';

/** The page links nothing outside itself, and the token in its URL must not leak as a referrer. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SPViT Studio: web UI not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>The web UI is not built yet</h1>
<p>The backend is running, but <code>renderer/dist</code> does not exist.</p>
<p>Run <code>npm run build:web</code> in the studio's folder, then reload this page
(or start the studio with <code>npm start</code>, which builds it for you).</p>
</body></html>
`;

export interface StaticFilesOptions {
  /** The folder of the built renderer. */
  rootDir: string;
}

type Found = { kind: 'file'; path: string; sizeBytes: number } | { kind: 'missing' } | { kind: 'not-built' };

function send(response: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

async function fileInside(rootDir: string, candidate: string): Promise<{ path: string; sizeBytes: number } | null> {
  try {
    const real = await realpath(candidate);
    const inside = relative(rootDir, real);
    if (inside.startsWith('..') || isAbsolute(inside)) return null;
    const info = await stat(real);
    return info.isFile() ? { path: real, sizeBytes: info.size } : null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

async function locate(rootDir: string, urlPath: string): Promise<Found> {
  let realRoot: string;
  try {
    realRoot = await realpath(rootDir);
  } catch (error) {
    // No build folder at all: the page that explains how to build it.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'not-built' };
    throw error;
  }
  const requested = resolve(realRoot, `.${urlPath}`);
  if (requested !== realRoot && !requested.startsWith(realRoot + sep)) return { kind: 'missing' };
  const direct = urlPath.endsWith('/') ? null : await fileInside(realRoot, requested);
  if (direct !== null) return { kind: 'file', ...direct };
  // Paths that name a file (an extension) are really missing; others are client-side routes.
  if (extname(urlPath) !== '' && !urlPath.endsWith('/')) return { kind: 'missing' };
  const index = await fileInside(realRoot, join(realRoot, 'index.html'));
  return index === null ? { kind: 'not-built' } : { kind: 'file', ...index };
}

function decodePath(rawUrl: string): string | null {
  const pathname = rawUrl.split(/[?#]/, 1)[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // Broken percent-encoding: not a path we could have served.
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  return decoded;
}

export function createStaticFiles(options: StaticFilesOptions): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, 'Method not allowed.\n');
      return;
    }
    const urlPath = decodePath(request.url ?? '/');
    if (urlPath === null) {
      send(response, 400, 'Bad request path.\n');
      return;
    }
    locate(options.rootDir, urlPath).then(
      (found) => {
        if (found.kind === 'not-built') {
          send(response, 500, NOT_BUILT_PAGE, 'text/html; charset=utf-8');
          return;
        }
        if (found.kind === 'missing') {
          send(response, 404, 'Not found.\n');
          return;
        }
        response.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': mimeTypeFor(found.path),
          'Content-Length': found.sizeBytes,
          'Cache-Control': 'no-cache',
        });
        if (request.method === 'HEAD') {
          response.end();
          return;
        }
        createReadStream(found.path)
          .on('error', (error) => response.destroy(error))
          .pipe(response);
      },
      (error: unknown) => send(response, 500, `Could not read the web UI: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  };
}
