/** What the Devices panel shows, derived from `devices.list`'s answer or its error code. */
import { isStudioError } from '../../../core/shared/errors';

import { toShownError } from './errors';

import type { DeviceSourceProblem, DeviceSummary } from '../../../core/api/contracts/devices';
import type { ShownError } from './errors';

export type DevicesView =
  | { readonly kind: 'loading' }
  | {
      readonly kind: 'ready';
      readonly devices: readonly DeviceSummary[];
      /** Sources that could not be asked (no adb server, a serial port refused); the rest still listed. */
      readonly problems: readonly DeviceSourceProblem[];
    }
  /** The backend answers, but has no device service (an older or partial backend). */
  | { readonly kind: 'unavailable'; readonly detail: string }
  | { readonly kind: 'failed'; readonly error: ShownError };

export function devicesViewFromError(error: unknown): DevicesView {
  // The backend rejects a method its contract lacks as input/invalid; our params always parse,
  // so that code here means "no such method". not-implemented: declared but not built yet.
  if (isStudioError(error, 'input/invalid') || isStudioError(error, 'not-implemented')) {
    return { kind: 'unavailable', detail: error.message };
  }
  return { kind: 'failed', error: toShownError(error) };
}

/** Phones first, then boards; within a kind by id, so the list does not jump around. */
export function sortDevices(devices: readonly DeviceSummary[]): DeviceSummary[] {
  return [...devices].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'android' ? -1 : 1;
    return a.id.localeCompare(b.id);
  });
}
