/**
 * USB serial devices get a new /dev/ttyUSBn on every plug; udev's /dev/serial/by-id links name the
 * adapter (for the ZCU102: the CP2108's serial number and interface 0). Remember those.
 */
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';

export const SERIAL_BY_ID_DIR = '/dev/serial/by-id';

export interface ResolvedSerialPath {
  /** The path as given. */
  path: string;
  /** The device node it leads to (links followed). */
  devicePath: string;
  /** A by-id link to the same device if one exists, else the path as given. */
  stablePath: string;
}

export async function resolveSerialPath(path: string, byIdDir = SERIAL_BY_ID_DIR): Promise<ResolvedSerialPath> {
  const devicePath = await realpath(path);
  if (path.startsWith(`${byIdDir}/`)) return { path, devicePath, stablePath: path };
  let names: string[];
  try {
    names = await readdir(byIdDir);
  } catch (error) {
    // No USB serial adapters at all (or not Linux): the given path is as stable as it gets.
    if (isMissing(error)) return { path, devicePath, stablePath: path };
    throw error;
  }
  for (const name of names.sort()) {
    const link = join(byIdDir, name);
    try {
      if ((await realpath(link)) === devicePath) return { path, devicePath, stablePath: link };
    } catch (error) {
      // A dangling link of an adapter that was just unplugged: skip it.
      if (!isMissing(error)) throw error;
    }
  }
  return { path, devicePath, stablePath: path };
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
