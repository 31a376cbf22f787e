/** The in-process transport: unit tests and the CLI call the backend directly through it. */
import type { Dispatcher, Transport } from './transport';

export function createInMemoryTransport(dispatcher: Dispatcher): Transport {
  return {
    request(method, params, signal) {
      // A JSON round trip keeps the in-memory transport as strict as the real ones.
      const copied: unknown = params === undefined ? undefined : JSON.parse(JSON.stringify(params));
      return dispatcher.dispatch(method, copied, signal).then((reply) => JSON.parse(JSON.stringify(reply)));
    },
    subscribe(event, listener) {
      return dispatcher.onEvent((name, payload) => {
        if (name === event) listener(JSON.parse(JSON.stringify(payload)));
      });
    },
  };
}
