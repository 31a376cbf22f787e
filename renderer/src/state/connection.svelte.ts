/** The link to the backend as the top bar shows it. */
import { INITIAL_CONNECTION } from '../boot/live-transport';

import type { ConnectionInfo, LiveTransport } from '../boot/live-transport';

export class ConnectionState {
  info: ConnectionInfo = $state.raw(INITIAL_CONNECTION);
  readonly #live: LiveTransport;

  constructor(live: LiveTransport) {
    this.#live = live;
  }

  /** Follows the transport; returns the cleanup. */
  attach(): () => void {
    this.info = this.#live.connection;
    return this.#live.onConnectionChange((info) => {
      this.info = info;
    });
  }

  reconnect(): void {
    this.#live.reconnect();
  }
}
