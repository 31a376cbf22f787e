/**
 * A simulated board's console wired straight to SerialConsoleTransports, without a pty: for unit
 * tests of the console agent and for hosts without socat. Like a UART, it can be opened and closed
 * again; what the board prints while nobody has it open is lost. Bytes cross on the next
 * macrotask, as they would over a wire.
 */
import { SimConsole } from './sim-console';

import type { SerialConsoleTransport } from '../../zcu102/transport';
import type { SimConsoleOptions } from './sim-console';

export interface MemoryConsole {
  board: SimConsole;
  /** Opens the console; one transport at a time, as a locked serial port allows. */
  open(): SerialConsoleTransport;
}

export function connectMemoryConsole(options: Omit<SimConsoleOptions, 'output'>, name = 'memory:zcu102'): MemoryConsole {
  let current: { controller: ReadableStreamDefaultController<Uint8Array>; closed: boolean } | null = null;
  const board = new SimConsole({
    ...options,
    output: (bytes) => {
      const target = current;
      const copy = bytes.slice();
      setImmediate(() => {
        if (target !== null && !target.closed) target.controller.enqueue(copy);
      });
    },
  });
  const open = (): SerialConsoleTransport => {
    if (current !== null && !current.closed) throw new Error(`${name} is already open`);
    let state: { controller: ReadableStreamDefaultController<Uint8Array>; closed: boolean } | null = null;
    const readable = new ReadableStream<Uint8Array>({
      start(controller) {
        state = { controller, closed: false };
      },
    });
    if (state === null) throw new Error('ReadableStream did not start synchronously');
    const opened: { controller: ReadableStreamDefaultController<Uint8Array>; closed: boolean } = state;
    current = opened;
    const writable = new WritableStream<Uint8Array>({
      write(chunk) {
        // Bytes written before close are on the wire: they arrive even if the port closes now.
        const copy = chunk.slice();
        setImmediate(() => board.input(copy));
      },
    });
    return {
      readable,
      writable,
      path: name,
      stablePath: name,
      close() {
        if (!opened.closed) {
          opened.closed = true;
          opened.controller.close();
        }
        return Promise.resolve();
      },
    };
  };
  return { board, open };
}
