/** Debian's Chromium through playwright-core: headless, a fresh profile, the README's window size. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import type { BrowserContext, Page } from 'playwright-core';

export const VIEWPORT = { width: 1400, height: 900 } as const;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface StudioBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Messages the page logged as errors and uncaught exceptions: a healthy shell has none. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(executablePath: string, colorScheme: 'dark' | 'light'): Promise<StudioBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'spvit-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
    colorScheme,
    reducedMotion: 'reduce',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
