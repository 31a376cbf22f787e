/**
 * The Electron IPC envelope around Reply. The preload only ever talks on these channels; main
 * checks that every message comes from our window's main frame.
 */
import { BugError } from '../shared/errors';

export const IPC_CHANNEL_PREFIX = 'studio:';

export const IPC_CHANNELS = {
  /** invoke: IpcRequest in, Reply out. */
  rpc: 'studio:rpc',
  /** send (renderer to main): the id of a request to cancel. */
  cancel: 'studio:cancel',
  /** send (main to renderer): IpcEvent. */
  event: 'studio:event',
} as const;

export interface IpcRequest {
  /** Unique per renderer; names the request for `studio:cancel`. */
  id: number;
  method: string;
  params: unknown;
}

export interface IpcEvent {
  name: string;
  payload: unknown;
}

/** The only channels the preload may use; a typo or a foreign channel throws. */
export function checkedChannel(channel: string): string {
  if (!channel.startsWith(IPC_CHANNEL_PREFIX) || !Object.values(IPC_CHANNELS).includes(channel as never)) {
    throw new BugError(`IPC channel '${channel}' is not one of the studio's channels.`);
  }
  return channel;
}
