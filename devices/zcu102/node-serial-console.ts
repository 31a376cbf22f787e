/** Opens a board's console on a real serial port (USB UART or pty): 115200 8N1, no flow control. */
import { access, constants } from 'node:fs/promises';

import { SerialPort } from 'serialport';

import { StudioError } from '../../core/shared/errors';
import { raceDeadline, startDeadline } from './deadline';
import { resolveSerialPath } from './serial-path';

import type { IoOptions } from './deadline';
import type { SerialConsoleTransport } from './transport';

export const CONSOLE_BAUD_RATE = 115200;

const PERMISSION_HINT =
  "Add yourself to the serial port's group and log in again: sudo usermod -aG dialout $USER (on Arch: uucp).";

export async function openSerialConsole(path: string, io: IoOptions = {}): Promise<SerialConsoleTransport> {
  await checkAccess(path);
  const resolved = await resolveSerialPath(path);
  const port = new SerialPort({
    path,
    baudRate: CONSOLE_BAUD_RATE,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    rtscts: false,
    xon: false,
    xoff: false,
    autoOpen: false,
    lock: true,
  });
  const deadline = startDeadline({ what: `opening the serial port ${path}`, timeoutMs: io.timeoutMs ?? 5_000 }, io.signal);
  try {
    await raceDeadline(new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve()))), deadline);
  } catch (error) {
    if (port.isOpen) port.close();
    throw error instanceof StudioError ? error : openError(path, error);
  } finally {
    deadline.dispose();
  }
  return wrapPort(port, { path, stablePath: resolved.stablePath });
}

async function checkAccess(path: string): Promise<void> {
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw openError(path, error);
  }
}

/** Maps an open failure (errno or serialport's message) to a StudioError with what to do about it. */
export function openError(path: string, error: unknown): StudioError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || /No such file/i.test(message)) {
    return new StudioError('device/not-found', `No serial port at ${path}.`, {
      cause: error,
      hint: 'Plug in the ZCU102 USB UART (J83) and power the board; the console is interface 0 of the CP2108.',
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || /Permission denied/i.test(message)) {
    return new StudioError('device/permission', `No permission to open ${path}.`, { cause: error, hint: PERMISSION_HINT });
  }
  if (/Cannot lock port|Resource temporarily unavailable/i.test(message)) {
    return new StudioError('device/failed', `${path} is in use by another program.`, {
      cause: error,
      hint: 'Close screen, minicom or picocom (or another studio window) on this port.',
    });
  }
  return new StudioError('device/failed', `Cannot open ${path}: ${message}`, { cause: error });
}

function wrapPort(port: SerialPort, names: { path: string; stablePath: string }): SerialConsoleTransport {
  let closed = false;
  let ended = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = (error: StudioError | null): void => {
        // The stream ends once: a port error is usually followed by its close event.
        if (ended) return;
        ended = true;
        if (error === null) controller.close();
        else controller.error(error);
      };
      port.on('data', (chunk: Buffer) => {
        if (!ended) controller.enqueue(new Uint8Array(chunk));
      });
      port.on('close', () => end(closed ? null : new StudioError('device/disconnected', `The serial port ${names.path} went away.`, { hint: 'Check the USB cable and that the board is powered.' })));
      port.on('error', (error: Error) => end(new StudioError('device/disconnected', `Serial port ${names.path}: ${error.message}`, { cause: error })));
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(chunk), (error) => {
          if (error) reject(new StudioError('device/disconnected', `Writing to ${names.path} failed: ${error.message}`, { cause: error }));
          else port.drain(() => resolve());
        });
      });
    },
  });
  return {
    readable,
    writable,
    path: names.path,
    stablePath: names.stablePath,
    close() {
      if (closed || !port.isOpen) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
