/**
 * Devices and latency tables end to end: the real `adb` server on its own port with two simulated
 * phones (`spvit sim phone`, `adb connect`) and a simulated ZCU102 (`spvit sim zcu102 --link`),
 * `spvit serve` pointed at that server. Phones come and go, a board is connected by its console,
 * a phone is connected over the network, profiled with progress, and its staircase is charted,
 * solved for a budget, compared with the other phone and exported.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { requireTool } from '../support/require-tool';

import { openBrowser } from './support/browser';
import { startDeviceLab } from './support/device-sims';
import { ROOT, screenshot, showView, waitConnected } from './support/studio-page';
import { startStudio } from './support/studio-process';

import type { Page } from 'playwright-core';
import type { StudioBrowser } from './support/browser';
import type { DeviceLab } from './support/device-sims';
import type { StudioProcess } from './support/studio-process';

const chromiumPath = requireTool('chromium', 'chromium');
const adbPath = requireTool('adb', 'adb');
const socatPath = requireTool('socat', 'socat');
const TOKENS = '1, 25, 50, 75, 100, 125, 150, 175, 197';

describe.runIf(chromiumPath !== null && adbPath !== null && socatPath !== null)('devices and latency tables', () => {
  let lab: DeviceLab;
  let studio: StudioProcess | undefined;
  let browser: StudioBrowser | undefined;
  let page: Page;
  let dataDir: string;
  let galaxy: string;
  let pixel: string;

  const deviceRow = (id: string) => page.locator(`[data-device-id="${id}"]`);

  async function profile(serial: string, tokens: string, keepTables: 'all' | 'blocks'): Promise<void> {
    await deviceRow(serial).getByRole('button', { name: 'Profile…' }).click();
    const dialog = page.getByRole('dialog', { name: /^Profile / });
    await dialog.getByLabel(/Token counts/).fill(tokens);
    await dialog.getByLabel(/Samples per point/).fill('2');
    if (keepTables === 'blocks') {
      for (const table of ['selector', 'block-after-selector', 'patch-embed', 'head']) await dialog.getByLabel(table, { exact: true }).uncheck();
    }
    await dialog.getByRole('button', { name: 'Start profile' }).click();
  }

  beforeAll(async () => {
    if (!existsSync(`${ROOT}renderer/dist/index.html`)) throw new Error('renderer/dist is missing: run `npm run build:web`.');
    lab = await startDeviceLab({ adb: adbPath!, phones: ['galaxy-s20', 'pixel-4a'], withBoard: true });
    [galaxy, pixel] = lab.phoneSerials as [string, string];
    dataDir = mkdtempSync(join(tmpdir(), 'spvit-e2e-devices-'));
    studio = await startStudio(['--data-dir', dataDir], { env: lab.env });
    browser = await openBrowser(chromiumPath!, 'dark');
    page = browser.page;
    page.setDefaultTimeout(30_000);
    await page.goto(studio.url);
    await waitConnected(page);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await page.screenshot({ path: `${ROOT}test-results/devices-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}.png` });
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    await lab?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists both simulated phones, marked simulated, with their health', async () => {
    await deviceRow(galaxy).getByText('SM-G980F').waitFor();
    await deviceRow(pixel).waitFor();
    expect(await deviceRow(galaxy).innerText()).toMatch(/device\s+simulated/);
    await deviceRow(galaxy).getByRole('button', { name: /SM-G980F/ }).click();
    const health = page.getByRole('region', { name: 'Inspector' }).getByLabel('Phone health');
    await health.waitFor();
    expect(await health.innerText()).toMatch(/CPU temperature\s+\d+\.\d °C/);
    expect(await health.innerText()).toMatch(/CPU clusters\s+4 × 2\.0 GHz/);
  });

  it('sees a phone go when adb drops it, and brings it back with adb connect from the panel', async () => {
    await lab.adb('disconnect', pixel);
    await deviceRow(pixel).waitFor({ state: 'detached' });
    await page.getByText('Add a device').click();
    await page.getByLabel(/Network phone/).fill(pixel);
    await page.getByRole('button', { name: 'Connect' }).first().click();
    await deviceRow(pixel).getByText('device', { exact: true }).waitFor();
  });

  it('connects the simulated board by its serial console', async () => {
    await page.getByLabel('ZCU102 serial console').fill(lab.boardLink!);
    await page.getByRole('button', { name: 'Connect' }).nth(1).click();
    const board = deviceRow(`zcu102@${lab.boardLink}`);
    await board.waitFor();
    expect(await board.innerText()).toMatch(/ZCU102 board[\s\S]*(login|shell|u-boot|booting)[\s\S]*simulated/);
    await page.getByRole('list', { name: 'Remembered board consoles' }).getByText(lab.boardLink!).waitFor();
  });

  it('profiles a phone with progress, then charts the staircase and solves a budget', async () => {
    await profile(galaxy, TOKENS, 'all');
    await deviceRow(galaxy).getByRole('progressbar').waitFor();
    await deviceRow(galaxy).getByText(/block at \d+ tokens: \d+\.\d\d ms/).waitFor();
    await deviceRow(galaxy).getByText('last profile: succeeded').waitFor({ timeout: 120_000 });
    await showView(page, 'Latency');
    const chart = page.getByRole('img', { name: /^Latency of block on SM-G980F/ });
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toMatch(/ms at 1 tokens to \d+(\.\d+)? ms at 197 tokens, 9 points$/);
    expect(await chart.locator('circle.mean').count()).toBe(9);
    expect(await chart.locator('circle.sample').count()).toBe(18);
    const keep = page.getByRole('table', { name: 'Keep ratios chosen by the solver' });
    await expect.poll(() => keep.locator('tbody tr').count()).toBe(3);
    const rows = await keep.locator('tbody tr').allInnerTexts();
    for (const row of rows) expect(row).toMatch(/^S\d\s+\d+\s+0\.\d{3}\s+\d+ of 196\s+(yes|no)$/);
    await page.getByRole('radio', { name: 'block-after-selector' }).click();
    expect(await page.locator('.marker').count()).toBe(3);
    await page.getByLabel('Latency budget (ms)').fill('1');
    await page.getByRole('button', { name: 'Solve' }).click();
    await page.getByText('No keep ratios for this budget').waitFor();
    await page.getByText(/Raise the budget to at least/).waitFor();
    await page.getByLabel('Latency budget (ms)').fill('30');
    await page.getByRole('button', { name: 'Solve' }).click();
    const bars = page.getByRole('img', { name: /^Dense \d+(\.\d+)? ms, At the budget \d+(\.\d+)? ms; budget 30 ms$/ });
    await bars.waitFor();
    await page.getByRole('radio', { name: 'block', exact: true }).click();
    await screenshot(page, 'latency-chart', { tall: true });
  });

  it('compares with a second phone and exports the table as CSV', async () => {
    await showView(page, 'Pipeline');
    await profile(pixel, '1, 50, 100, 150, 197', 'blocks');
    await deviceRow(pixel).getByText('last profile: succeeded').waitFor({ timeout: 120_000 });
    await showView(page, 'Latency');
    const galaxyPath = await page.getByLabel('Table', { exact: true }).locator('option').filter({ hasText: 'SM-G980F' }).getAttribute('value');
    await page.getByLabel('Table', { exact: true }).selectOption(galaxyPath!);
    const pixelPath = await page.getByLabel('Compare with').locator('option').filter({ hasText: 'Pixel' }).getAttribute('value');
    await page.getByLabel('Compare with').selectOption(pixelPath!);
    const chart = page.getByRole('img', { name: /^Latency of block on SM-G980F/ });
    await chart.locator('[data-tone="compare"] circle.mean').first().waitFor();
    expect(await chart.locator('[data-tone="compare"] circle.mean').count()).toBe(5);
    expect(await chart.locator('.legend').textContent()).toMatch(/SM-G980F[\s\S]*Pixel 4a/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').split('\n');
    expect(csv[0]).toBe('device,model,block_type,stage,tokens,mean_ms,std_ms,count,samples_ms');
    expect(csv.filter((line) => line.includes(',block,0,')).length).toBe(9);
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'SVG' }).click()]);
    const svgText = readFileSync((await svg.path())!, 'utf8');
    expect(svgText).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svgText).toContain('Latency (ms)');
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'PNG' }).click()]);
    expect(readFileSync((await png.path())!).subarray(1, 4).toString()).toBe('PNG');
  });

  it('cancels a profile under way', async () => {
    await showView(page, 'Pipeline');
    await deviceRow(pixel).getByRole('button', { name: 'Profile…' }).click();
    const dialog = page.getByRole('dialog', { name: /^Profile / });
    await dialog.getByLabel('Model (timm name)').fill('deit_small_patch16_224');
    await dialog.getByRole('button', { name: 'Start profile' }).click();
    await deviceRow(pixel).getByRole('progressbar').waitFor();
    await deviceRow(pixel).getByRole('button', { name: 'Cancel' }).click();
    await deviceRow(pixel).getByText('last profile: cancelled').waitFor();
    expect(browser!.pageErrors).toEqual([]);
  });
});
