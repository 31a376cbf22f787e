/** The in-process transport: unit tests and the CLI call the backend directly through it. */
import { raceAbort } from './abortable-reply';

import type { Dispatcher, Reply, Transport } from './transport';

export function createInMemoryTransport(dispatcher: Dispatcher): Transport {
  return {
    request(method, params, signal) {
      // A JSON round trip keeps the in-memory transport as strict as the real ones.
      const copied: unknown = params === undefined ? undefined : JSON.parse(JSON.stringify(params));
      const reply = dispatcher.dispatch(method, copied, signal).then((r): Reply => JSON.parse(JSON.stringify(r)));
      return raceAbort(reply, signal);
    },
    subscribe(event, listener) {
      return dispatcher.onEvent((name, payload) => {
        if (name === event) listener(JSON.parse(JSON.stringify(payload)));
      });
    },
  };
}
