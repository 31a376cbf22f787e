/**
 * Train, look, deploy, end to end: a tiny pipeline file opened from the workspace, trained from the
 * Training view with live curves (paused and resumed on the way), its token maps, and a one-click
 * deploy to the simulated phone (real `adb` server, `spvit sim phone`) that ends with the report.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { requireTool } from '../support/require-tool';

import { openBrowser } from './support/browser';
import { startDeviceLab } from './support/device-sims';
import { nodeOnCanvas, ROOT, screenshot, showView, waitConnected } from './support/studio-page';
import { startStudio } from './support/studio-process';

import type { Page } from 'playwright-core';
import type { StudioBrowser } from './support/browser';
import type { DeviceLab } from './support/device-sims';
import type { StudioProcess } from './support/studio-process';

const chromiumPath = requireTool('chromium', 'chromium');
const adbPath = requireTool('adb', 'adb');
const socatPath = requireTool('socat', 'socat');

/** The bundled Fashion-MNIST sample, a 16-token ViT, one dense and one SPViT epoch on 320 images. */
const TINY_PIPELINE = {
  version: 1,
  name: 'Tiny SPViT',
  nodes: [
    { id: 'data', kind: 'dataset', position: { x: 0, y: 0 }, config: { source: { kind: 'sample' }, input: { height: 28, width: 28, channels: 1 }, valFraction: 0.1, seed: 1, trainLimit: 320, testLimit: 64 } },
    { id: 'vit', kind: 'backbone', position: { x: 0, y: 180 }, config: { model: 'VisionTransformer', kwargs: { img_size: 28, patch_size: 7, in_chans: 1, num_classes: 10, embed_dim: 32, depth: 3, num_heads: 2, mlp_ratio: 2 } } },
    { id: 'lut', kind: 'latency-table', position: { x: 300, y: 180 }, config: { source: 'analytic', preset: 'mobile-cpu-little' } },
    { id: 'train', kind: 'train', position: { x: 600, y: 60 }, config: { seed: 1, workers: 1, dense: { epochs: 1, batchSize: 16, lr: 0.002, warmupEpochs: 0 }, spvit: { epochs: 1, batchSize: 16, lr: 0.002, backboneFreezeEpochs: 0, selector: { blocks: [1, 2] }, budget: { latencyMs: 0.5 }, loss: { latencyHinge: 1 } } } },
    { id: 'eval', kind: 'evaluate', position: { x: 900, y: 60 }, config: { split: 'test', limit: 64, visualise: 4 } },
  ],
  edges: [
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'lut', port: 'backbone' } },
    { from: { node: 'data', port: 'dataset' }, to: { node: 'train', port: 'dataset' } },
    { from: { node: 'vit', port: 'backbone' }, to: { node: 'train', port: 'backbone' } },
    { from: { node: 'lut', port: 'lut' }, to: { node: 'train', port: 'lut' } },
    { from: { node: 'train', port: 'model' }, to: { node: 'eval', port: 'model' } },
    { from: { node: 'lut', port: 'lut' }, to: { node: 'eval', port: 'lut' } },
  ],
};

describe.runIf(chromiumPath !== null && adbPath !== null && socatPath !== null)('training, token maps and deploy', () => {
  let lab: DeviceLab;
  let studio: StudioProcess | undefined;
  let browser: StudioBrowser | undefined;
  let page: Page;
  let workspace: string;
  let dataDir: string;

  const lossPoints = (): Promise<number> => page.locator('[data-series="loss"] path').getAttribute('d').then((d) => (d?.match(/[ML]/g) ?? []).length);

  beforeAll(async () => {
    if (!existsSync(`${ROOT}renderer/dist/index.html`)) throw new Error('renderer/dist is missing: run `npm run build:web`.');
    lab = await startDeviceLab({ adb: adbPath!, phones: ['galaxy-s20'], withBoard: true });
    workspace = mkdtempSync(join(tmpdir(), 'spvit-e2e-train-ws-'));
    dataDir = mkdtempSync(join(tmpdir(), 'spvit-e2e-train-data-'));
    writeFileSync(join(workspace, 'tiny.spvit.json'), JSON.stringify(TINY_PIPELINE, null, 2));
    studio = await startStudio(['--data-dir', dataDir], { cwd: workspace, env: lab.env });
    browser = await openBrowser(chromiumPath!, 'dark');
    page = browser.page;
    page.setDefaultTimeout(30_000);
    await page.goto(studio.url);
    await waitConnected(page);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await page.screenshot({ path: `${ROOT}test-results/training-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}.png` });
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    await lab?.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the pipeline file from the workspace folder', async () => {
    await page.keyboard.press('Control+o');
    await page.getByRole('dialog', { name: 'Open pipeline' }).getByRole('button', { name: 'tiny.spvit.json' }).click();
    await nodeOnCanvas(page, 'train').waitFor();
    expect(await page.locator('g.node').count()).toBe(5);
  });

  it('trains with live curves, pauses and resumes, and shows the report', { timeout: 240_000 }, async () => {
    await showView(page, 'Training');
    await page.getByRole('button', { name: 'Train pipeline' }).click();
    const figures = page.getByLabel('Latest training figures');
    await figures.getByText('dense', { exact: true }).waitFor({ timeout: 60_000 });
    const early = await lossPoints();
    await figures.getByText('SPViT', { exact: true }).waitFor({ timeout: 90_000 });
    expect(await lossPoints()).toBeGreaterThan(early);
    expect(await page.getByRole('img', { name: /^Keep ratio per selector: achieved vs target: S1 achieved \d/ }).count()).toBe(1);
    expect(await page.locator('.budget text').first().textContent()).toBe('budget 0.5 ms');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await page.locator('[data-state="cancelled"]').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    const report = page.getByRole('region', { name: 'Report · succeeded' });
    await report.waitFor({ timeout: 150_000 });
    const text = await report.innerText();
    expect(text).toMatch(/Accuracy, dense → pruned\s+\d+\.\d % → \d+\.\d %/);
    expect(text).toMatch(/Keep ratio target\s+0\.\d{3} \/ 0\.\d{3}/);
    expect(text).toMatch(/Latency budget\s+0\.5 ms/);
    expect(text).toMatch(/Latency table\s+analytic/);
    await screenshot(page, 'training-dashboard', { tall: true });
  });

  it('shows which tokens each selector kept, image by image', async () => {
    await page.getByRole('button', { name: 'Token maps' }).click();
    const maps = page.getByRole('img', { name: /^Image 1 \(.+\), S1: kept \d+ of 16 tokens/ });
    await maps.waitFor({ timeout: 60_000 });
    expect(await page.getByRole('img', { name: /, S\d: kept \d+ of 16 tokens \(\d+ %\), the other \d+ merged into 1 package token$/ }).count()).toBe(16);
    expect(await page.getByRole('img', { name: /^Image \d: / }).count()).toBe(8);
    // Top-k keeps each selector's target share of tokens, whatever the scores say.
    await page.getByLabel('Inference mode').selectOption('topk');
    await page.getByRole('img', { name: /^Image 1 \(.+\), S1: kept ([0-9]|1[0-5]) of 16 tokens/ }).waitFor();
    await screenshot(page, 'token-maps');
  });

  it('deploys to the simulated phone in one click and shows the report', async () => {
    await showView(page, 'Training');
    await page.getByRole('button', { name: 'Deploy…' }).click();
    await page.getByLabel('Target', { exact: true }).selectOption(lab.phoneSerials[0]!);
    await page.getByLabel('Runs', { exact: true }).fill('20');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const steps = page.getByRole('list', { name: 'Deployment steps' });
    await steps.waitFor();
    const report = page.getByRole('region', { name: /^Deployment report · deployed/ });
    await report.waitFor({ timeout: 120_000 });
    expect(await steps.locator('li[data-state="done"]').count()).toBe(9);
    const text = await report.innerText();
    expect(text).toMatch(/Measured\s+\d+(\.\d+)? ms/i);
    expect(text).toMatch(/Budget\s+0\.5 ms/i);
    expect(text).toMatch(/(within|over) budget by \d+(\.\d+)? ms/);
    expect(text).toMatch(/Outputs on the host\s+passed · max relative error/);
    expect(text).toMatch(/Device\s+samsung SM-G980F \(S5E9830\)/);
    await screenshot(page, 'deploy-report', { tall: true });
  });

  it('deploys the same run to the simulated ZCU102, bit-exact with the reference runner', async () => {
    await page.getByText('Add a device').click();
    await page.getByLabel('ZCU102 serial console').fill(lab.boardLink!);
    await page.getByRole('button', { name: 'Connect' }).nth(1).click();
    const boardId = `zcu102@${lab.boardLink}`;
    await page.locator(`[data-device-id="${boardId}"]`).waitFor();
    await page.getByLabel('Target', { exact: true }).selectOption(boardId);
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const report = page.getByRole('region', { name: 'Board deployment report · deployed' });
    await report.waitFor({ timeout: 120_000 });
    const text = await report.innerText();
    expect(text).toMatch(/Outputs on the board\s+bit-exact with the reference runner on \d+ images/);
    expect(text).toMatch(/Accelerator\s+spvit-int8-\S+, \d+×\d+ MACs at \d+ MHz \(simulated\)/);
    expect(text).toMatch(/Latency split\s+accelerator \d+(\.\d+)? ms \+ CPU \d+(\.\d+)? ms/);
    expect(browser!.pageErrors).toEqual([]);
  });
});
