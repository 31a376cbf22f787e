/** Which page URLs are ours: the built renderer's index.html, or the dev server in development. */
import { fileURLToPath } from 'node:url';

export interface TrustedPages {
  /** The built renderer's index.html (absolute path). */
  rendererIndexPath: string;
  /** `electron-vite dev`'s server (ELECTRON_RENDERER_URL), if running under it. */
  devServerUrl?: string | undefined;
}

export function createTrustedUrlCheck(pages: TrustedPages): (url: string) => boolean {
  const devOrigin = pages.devServerUrl === undefined ? null : new URL(pages.devServerUrl).origin;
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      // Not a URL at all (about:blank parses; garbage does not): not ours.
      return false;
    }
    if (parsed.protocol === 'file:') {
      try {
        return fileURLToPath(parsed) === pages.rendererIndexPath;
      } catch {
        // A file URL with a host (a network share): never ours.
        return false;
      }
    }
    return devOrigin !== null && parsed.origin === devOrigin;
  };
}
