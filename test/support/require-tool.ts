/**
 * System tools the tests drive for real (adb, socat, chromium). On a developer's machine a missing
 * tool skips the suite with a message; in CI (CI=true) it is a failure, because .ci/run installs it.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findTool(name: string): string | null {
  if (name.startsWith('/')) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      return null;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this PATH entry; keep looking.
    }
  }
  return null;
}

/** Returns the tool's path, or null (after a warning) when the suite should skip. Throws in CI. */
export function requireTool(name: string, debianPackage: string): string | null {
  const found = findTool(name);
  if (found !== null) return found;
  const message = `${name} not found: install the Debian package '${debianPackage}' (.ci/run does).`;
  if (process.env.CI === 'true') {
    throw new Error(`${message} CI must not skip this test.`);
  }
  console.warn(`skipping: ${message}`);
  return null;
}

/** The shared fixtures folder beside the project's root, or a clear error. */
export function sharedFixtures(...parts: string[]): string {
  const root = new URL('../../../shared/fixtures/', import.meta.url).pathname;
  try {
    accessSync(root);
  } catch {
    throw new Error(`../shared/fixtures not found at ${root}: the parity tests need the shared folder beside the project.`);
  }
  return join(root, ...parts);
}
