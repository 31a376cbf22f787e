/**
 * A board's serial console as a byte stream pair. The USB UART (serialport), a socat pty of the
 * simulator and an in-memory pair in tests all fit it, so the console code never knows which.
 */
export interface SerialConsoleTransport {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Path the user gave (or a description for in-memory consoles). */
  readonly path: string;
  /** The path to remember: the /dev/serial/by-id link when there is one. */
  readonly stablePath: string;
  close(): Promise<void>;
}
