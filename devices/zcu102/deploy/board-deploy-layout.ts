/**
 * Board deployments in the run folder:
 *   <run>/board-deployments/<version>/package.spvit-fxp + deploy-report.json
 *   <run>/board-deployments/current          (one line: the live version)
 *   <run>/deploy-report-zcu102.json          (the latest attempt, deployed or failed)
 * A new version is written to `.staging-<version>/` and renamed into place only after the board
 * passed every check; `current` is then replaced by renaming `current.next` over it. A failed
 * deploy leaves `current` (and its package) as it was.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BOARD_DEPLOYMENTS_DIR = 'board-deployments';
export const PACKAGE_FILE = 'package.spvit-fxp';
export const VERSION_REPORT_FILE = 'deploy-report.json';
export const LATEST_REPORT_FILE = 'deploy-report-zcu102.json';

export function deploymentsDir(runDir: string): string {
  return join(runDir, BOARD_DEPLOYMENTS_DIR);
}

/** `20250102T030405123Z-<first 8 hex of the package sha256>`. */
export function boardDeploymentVersion(createdAt: Date, packageSha256: string): string {
  return `${createdAt.toISOString().replace(/[-:.]/g, '')}-${packageSha256.slice(0, 8)}`;
}

export function versionDir(runDir: string, version: string): string {
  return join(deploymentsDir(runDir), version);
}

export function stagingDir(runDir: string, version: string): string {
  return join(deploymentsDir(runDir), `.staging-${version}`);
}

export async function readCurrentVersion(runDir: string): Promise<string | null> {
  try {
    const line = (await readFile(join(deploymentsDir(runDir), 'current'), 'utf8')).trim();
    return /^[0-9TZ]+-[0-9a-f]{8}$/.test(line) ? line : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function writeCurrentVersion(runDir: string, version: string): Promise<void> {
  const next = join(deploymentsDir(runDir), 'current.next');
  await writeFile(next, `${version}\n`, 'utf8');
  await rename(next, join(deploymentsDir(runDir), 'current'));
}

export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.partial`, `${JSON.stringify(value, null, 1)}\n`, 'utf8');
  await rename(`${path}.partial`, path);
}
