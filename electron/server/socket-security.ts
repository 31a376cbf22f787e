/**
 * Who may open the backend's WebSocket: whoever holds this launch's token, from a page of ours.
 * Browsers always send Origin on a WebSocket upgrade, so a foreign page is refused by it even if
 * it guessed the port; the token keeps out other local users and programs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 24;

export function createToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function tokenMatches(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Formats a host for a URL (IPv6 in brackets; wildcard binds become the loopback address). */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export interface OriginPolicy {
  /** The host the server is bound to and its port. */
  boundHost: string;
  port: number;
  /** Further origins allowed, e.g. a vite dev server (`http://localhost:5173`). */
  extraOrigins: readonly string[];
}

function allowedOrigins(policy: OriginPolicy): Set<string> {
  const hosts = ['127.0.0.1', 'localhost', '[::1]', urlHost(policy.boundHost)];
  const origins = new Set(hosts.map((host) => `http://${host}:${policy.port}`));
  for (const origin of policy.extraOrigins) origins.add(origin.replace(/\/+$/, ''));
  return origins;
}

/**
 * No Origin header: a non-browser client (it still needs the token). Otherwise it must be one of
 * ours; when bound beyond loopback, the page's own origin (`http://<Host header>`) is ours too.
 */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins(policy).has(origin)) return true;
  return !isLoopbackHost(policy.boundHost) && hostHeader !== undefined && origin === `http://${hostHeader}`;
}
