/**
 * Where deployments live on the phone:
 *   /data/local/tmp/spvit/deployments/<version>/model.tflite + metadata.json
 *   /data/local/tmp/spvit/deployments/current        (a one-line file: the live version's name)
 * A new version is pushed into `.staging-<version>/`, checked, benchmarked, renamed into place,
 * and only then does `current` change, by writing `current.next` and renaming it over `current`
 * (rename is atomic), so an interrupted deploy never leaves `current` pointing at a partial folder.
 */
export const DEPLOYMENTS_DIR = '/data/local/tmp/spvit/deployments';
export const CURRENT_POINTER = `${DEPLOYMENTS_DIR}/current`;
export const MODEL_FILE = 'model.tflite';
export const METADATA_FILE = 'metadata.json';

/** `20250102T030405123Z-<first 8 hex of the model sha256>`: sorts by time (ms), names the content. */
export function deploymentVersion(createdAt: Date, modelSha256: string): string {
  const stamp = createdAt.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${modelSha256.slice(0, 8)}`;
}

export function versionDir(version: string): string {
  return `${DEPLOYMENTS_DIR}/${version}`;
}

export function stagingDir(version: string): string {
  return `${DEPLOYMENTS_DIR}/.staging-${version}`;
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** A version name as written in `current` (one line, nothing else). */
export function parseCurrentPointer(text: string): string | null {
  const line = text.trim();
  return /^[0-9TZ]+-[0-9a-f]{8}$/.test(line) ? line : null;
}
