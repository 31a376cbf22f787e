/** Turns errors of the adb server and of @yume-chan/adb into StudioErrors with a code and a hint. */
import { isStudioError, StudioError } from '../../core/shared/errors';

import type { AdbServerAddress } from './adb-server-address';

export const RSA_PROMPT_HINT = "Unlock the phone and accept the 'Allow USB debugging?' (RSA key) prompt, then try again.";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The adb server is not there at all. */
export function isServerUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET';
}

export function serverUnreachableError(address: AdbServerAddress, cause: unknown): StudioError {
  return new StudioError('env/missing-tool', `No adb server answers at ${address.host}:${address.port}.`, {
    cause,
    hint: 'Start it with `adb start-server` (Debian package adb), or point ANDROID_ADB_SERVER_PORT / ADB_SERVER_SOCKET at a running one.',
    details: { host: address.host, port: address.port },
  });
}

/**
 * Classifies a failure while talking to one phone. `known` is true when the phone was seen before
 * (a missing phone then means it was unplugged, not mistyped).
 */
export function deviceError(serial: string, error: unknown, options: { known: boolean; what: string }): StudioError {
  if (isStudioError(error)) return error;
  const message = messageOf(error);
  const lower = message.toLowerCase();
  const details = { serial, message };
  if (lower.includes('unauthorized') || lower.includes('authorizing')) {
    return new StudioError('device/unauthorized', `${serial} has not authorised this computer (${options.what}).`, { cause: error, hint: RSA_PROMPT_HINT, details });
  }
  if ((lower.includes('not found') && lower.includes('device')) || lower.includes('no device') || lower.includes('transport id')) {
    return options.known
      ? new StudioError('device/disconnected', `${serial} disconnected during ${options.what}.`, { cause: error, hint: 'Reconnect the phone (or `adb connect` it again) and retry.', details })
      : new StudioError('device/not-found', `No phone ${serial} on the adb server.`, { cause: error, hint: 'Run `spvit devices` to see the connected phones.', details });
  }
  if (lower.includes('offline') || lower.includes('closed') || lower.includes('disconnect') || isServerUnreachable(error) || lower.includes('premature') || lower.includes('ended')) {
    return new StudioError('device/disconnected', `${serial} disconnected during ${options.what}.`, { cause: error, hint: 'Reconnect the phone (or `adb connect` it again) and retry.', details });
  }
  return new StudioError('device/failed', `${options.what} failed on ${serial}: ${message}`, { cause: error, hint: 'See the details; run the same adb command by hand to compare.', details });
}
