/** Writing a file so that readers see the old one or the new one, never half of it. */
import { open, rename, rm } from 'node:fs/promises';

/** Calls `write` with a temporary path next to `file`, flushes it, then renames it over `file`. */
export async function writeAtomically(file: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    await write(temporary);
    const handle = await open(temporary, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
