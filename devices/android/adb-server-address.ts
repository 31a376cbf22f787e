/**
 * Where the adb server listens, decided the way the adb tool decides it: ADB_SERVER_SOCKET
 * (`tcp:HOST:PORT` or `tcp:PORT`) wins, then ANDROID_ADB_SERVER_ADDRESS + ANDROID_ADB_SERVER_PORT,
 * then 127.0.0.1:5037. A remote server (device farm, STF) is just another address.
 */
import { StudioError } from '../../core/shared/errors';

export interface AdbServerAddress {
  host: string;
  port: number;
}

export const DEFAULT_ADB_SERVER_PORT = 5037;

function parsePort(raw: string, source: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StudioError('input/invalid', `${source} has an invalid port '${raw}'.`, { hint: 'Use a port from 1 to 65535, as for the adb tool.' });
  }
  return port;
}

export function resolveAdbServerAddress(env: Readonly<Record<string, string | undefined>>): AdbServerAddress {
  const socket = env.ADB_SERVER_SOCKET?.trim();
  if (socket !== undefined && socket !== '') {
    const match = /^tcp:(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(socket);
    if (match === null) {
      throw new StudioError('input/invalid', `ADB_SERVER_SOCKET='${socket}' is not supported.`, {
        hint: "Use the form tcp:HOST:PORT or tcp:PORT (local unix sockets are not supported by the studio).",
      });
    }
    return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port: parsePort(match[2]!, 'ADB_SERVER_SOCKET') };
  }
  const rawPort = env.ANDROID_ADB_SERVER_PORT?.trim();
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_ADB_SERVER_PORT : parsePort(rawPort, 'ANDROID_ADB_SERVER_PORT');
  const host = env.ANDROID_ADB_SERVER_ADDRESS?.trim() || '127.0.0.1';
  return { host, port };
}
