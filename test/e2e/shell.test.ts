/**
 * The studio's skeleton end to end: `spvit serve` as a child process, the built web UI in Debian's
 * Chromium, requests through the WebSocket to the real backend and back. Writes the README's
 * screenshots to docs/screenshots/. `npm run test:e2e` builds the web UI first.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { requireTool } from '../support/require-tool';

import { openBrowser } from './support/browser';
import { startStudio } from './support/studio-process';

import type { Page } from 'playwright-core';
import type { StudioBrowser } from './support/browser';
import type { StudioProcess } from './support/studio-process';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = `${ROOT}docs/screenshots`;
const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
const chromiumPath = requireTool('chromium', 'chromium');

function connectionStatus(page: Page) {
  return page.getByRole('status', { name: 'Backend connection' });
}

async function waitConnected(page: Page): Promise<void> {
  await connectionStatus(page).getByText('Connected', { exact: true }).waitFor();
}

/** Clicks "Run demo job" and returns the run id of the row that appears for it. */
async function startDemoJob(page: Page): Promise<string> {
  const before = await page.locator('tr[data-run-id]').count();
  await page.getByRole('button', { name: 'Run demo job' }).click();
  await page.waitForFunction((count) => document.querySelectorAll('tr[data-run-id]').length > count, before);
  const runId = await page.locator('tr[data-run-id]').first().getAttribute('data-run-id');
  expect(runId).toMatch(/^demo-/);
  return runId!;
}

/** Waits until the job's progress bar shows at least minPercent but not all of it. */
async function waitPartlyDone(page: Page, runId: string, minPercent = 1): Promise<void> {
  await page.waitForFunction(
    ({ id, min }) => {
      const bar = document.querySelector(`tr[data-run-id="${id}"] [role="progressbar"]`);
      const percent = Number(bar?.getAttribute('aria-valuenow'));
      return percent >= min && percent < 100;
    },
    { id: runId, min: minPercent },
  );
}

describe.runIf(chromiumPath !== null)('the studio shell in Chromium', () => {
  let studio: StudioProcess | undefined;
  let browser: StudioBrowser | undefined;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(`${ROOT}renderer/dist/index.html`)) {
      throw new Error('renderer/dist is missing: run `npm run build:web` (npm run test:e2e does it first).');
    }
    studio = await startStudio();
    browser = await openBrowser(chromiumPath!, 'dark');
    page = browser.page;
    await page.goto(studio.url);
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('shows the four areas and says it is connected', async () => {
    for (const name of ['Devices', 'Pipeline', 'Inspector', 'Jobs and logs']) {
      await page.getByRole('region', { name, exact: true }).waitFor();
    }
    await waitConnected(page);
    await page.getByText('This pipeline has no nodes yet').waitFor();
    // The Devices panel settles on what the backend said (a list, or notices saying why there is
    // none), whichever backend version this is; never on "loading".
    const devicesPanel = page.locator('section[aria-labelledby="devices-title"]');
    await devicesPanel.locator('[aria-busy="false"]').waitFor();
    await devicesPanel.locator('ul[aria-label="Attached devices"], .notice').first().waitFor();
    expect(await devicesPanel.innerText()).not.toContain('Looking for phones and boards');
  });

  it('resizes the jobs and logs panel from the keyboard', async () => {
    const splitter = page.getByRole('separator', { name: 'Resize the jobs and logs panel' });
    const dock = page.getByRole('region', { name: 'Jobs and logs' });
    const before = Number(await splitter.getAttribute('aria-valuenow'));
    const heightBefore = (await dock.boundingBox())!.height;
    await splitter.focus();
    await page.keyboard.press('ArrowUp');
    expect(Number(await splitter.getAttribute('aria-valuenow'))).toBe(before + 16);
    expect((await dock.boundingBox())!.height).toBeCloseTo(heightBefore + 16, 0);
    await page.keyboard.press('ArrowDown');
    expect(Number(await splitter.getAttribute('aria-valuenow'))).toBe(before);
  });

  it("round-trips requests: the backend's version from system.info, then system.echo", async () => {
    const inspector = page.getByRole('region', { name: 'Inspector' });
    await inspector.getByText(VERSION, { exact: true }).waitFor();
    await inspector.getByText('Browser (spvit serve)').waitFor();
    await inspector.getByRole('button', { name: 'Check round trip' }).click();
    await inspector.getByText(/ms via system\.echo|s via system\.echo/).waitFor();
  });

  it('runs a demo job started from the Jobs tab, with progress, to the end', async () => {
    const runId = await startDemoJob(page);
    await waitPartlyDone(page, runId);
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await page.locator(`tr[data-run-id="${runId}"][data-state="succeeded"]`).waitFor();
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await row.innerText()).toContain('done');
    expect(await row.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
  });

  it('cancels a running job with its Cancel button', async () => {
    const runId = await startDemoJob(page);
    await waitPartlyDone(page, runId);
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.getByRole('button', { name: 'Cancel Count to 40' }).click();
    await page.locator(`tr[data-run-id="${runId}"][data-state="cancelled"]`).waitFor();
    expect(await row.innerText()).toContain('cancelled');
  });

  it('switches between dark and light, by mouse and keyboard, and remembers the choice', async () => {
    const theme = (): Promise<string | undefined> => page.evaluate(() => document.documentElement.dataset.theme);
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const themeSwitch = page.getByRole('switch', { name: 'Dark theme' });
    expect(await theme()).toBe('dark');
    expect(await themeSwitch.getAttribute('aria-checked')).toBe('true');
    const darkBackground = await background();

    // The README's picture: a job under way, nothing selected (the inspector shows the backend).
    const runId = await startDemoJob(page);
    await waitPartlyDone(page, runId, 25);
    await page.keyboard.press('Escape');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/studio-shell.png` });

    await themeSwitch.click();
    expect(await theme()).toBe('light');
    expect(await themeSwitch.getAttribute('aria-checked')).toBe('false');
    expect(await background()).not.toBe(darkBackground);

    await page.reload();
    await waitConnected(page);
    expect(await theme()).toBe('light');
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/studio-shell-light.png` });

    await themeSwitch.focus();
    await page.keyboard.press('Space');
    expect(await theme()).toBe('dark');
    expect(browser!.pageErrors).toEqual([]);
  });

  it('tells a visitor whose URL lacks the token why it cannot connect', async () => {
    const visitor = await browser!.context.newPage();
    try {
      await visitor.goto(new URL('/', studio!.url).href);
      await visitor.getByText('URL lacks its token').waitFor();
      await connectionStatus(visitor).getByText('Disconnected', { exact: true }).waitFor();
    } finally {
      await visitor.close();
    }
  });

  it('shows the connection as lost when the backend stops, and offers to reconnect', async () => {
    await studio!.stop();
    await connectionStatus(page).getByText('Disconnected', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
  });
});
