/** The studio's window, locked down: isolated, sandboxed, no Node, no new windows or webviews. */
import { BrowserWindow, shell } from 'electron';

import type { WebContents } from 'electron';

export interface MainWindowOptions {
  preloadPath: string;
  /** The page to load: a file path (built) or a URL (dev server). */
  page: { file: string } | { url: string };
}

/** Applies to every web contents the app creates, windows or not. */
export function hardenContents(contents: WebContents, isTrustedUrl: (url: string) => boolean): void {
  contents.setWindowOpenHandler(({ url }) => {
    // Links to the web open in the user's browser, never inside the studio.
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (details) => {
    if (!isTrustedUrl(details.url)) details.preventDefault();
  });
  contents.on('will-redirect', (details) => {
    if (!isTrustedUrl(details.url)) details.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'SPViT Studio',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  if ('url' in options.page) void window.loadURL(options.page.url);
  else void window.loadFile(options.page.file);
  return window;
}
