/**
 * The pipeline editor end to end in Chromium against `spvit serve`: build a pipeline from the
 * palette (click and drag), wire it by mouse and by keyboard, see refused wires explained, undo and
 * redo, fix a field the validator flags, save, reopen from the recent files, run up to a node.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { requireTool } from '../support/require-tool';

import { openBrowser } from './support/browser';
import { dragWire, editorMessage, nodeOnCanvas, ROOT, screenshot, waitConnected } from './support/studio-page';
import { startStudio } from './support/studio-process';

import type { Page } from 'playwright-core';
import type { StudioBrowser } from './support/browser';
import type { StudioProcess } from './support/studio-process';

const chromiumPath = requireTool('chromium', 'chromium');

describe.runIf(chromiumPath !== null)('the pipeline editor', () => {
  let studio: StudioProcess | undefined;
  let browser: StudioBrowser | undefined;
  let page: Page;
  let workspace: string;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(`${ROOT}renderer/dist/index.html`)) throw new Error('renderer/dist is missing: run `npm run build:web`.');
    workspace = mkdtempSync(join(tmpdir(), 'spvit-e2e-workspace-'));
    dataDir = mkdtempSync(join(tmpdir(), 'spvit-e2e-data-'));
    studio = await startStudio(['--data-dir', dataDir], { cwd: workspace });
    browser = await openBrowser(chromiumPath!, 'dark');
    page = browser.page;
    page.setDefaultTimeout(15_000);
    await page.goto(studio.url);
    await waitConnected(page);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await page.screenshot({ path: `${ROOT}test-results/editor-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}.png` });
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds nodes from the palette by click and by drag', async () => {
    for (const kind of ['Dataset', 'Backbone', 'Latency table', 'SPViT training']) {
      await page.getByRole('button', { name: `Add ${kind} node` }).click();
    }
    await page.getByRole('button', { name: 'Add Target device node' }).dragTo(page.locator('svg.canvas'), { targetPosition: { x: 600, y: 420 } });
    await nodeOnCanvas(page, 'device').waitFor();
    expect(await page.locator('g.node').count()).toBe(5);
    expect(await nodeOnCanvas(page, 'train').getAttribute('aria-label')).toMatch(/^train, SPViT training, idle, 3 problems$/);
    await page.keyboard.press('Escape');
  });

  it('wires ports by dragging, and refuses a wire of another type with the reason', async () => {
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await dragWire(page, { node: 'backbone', port: 'backbone' }, { node: 'latency-table', port: 'backbone' });
    await page.locator('[data-edge="backbone.backbone->latency-table.backbone"]').waitFor();
    await dragWire(page, { node: 'dataset', port: 'dataset' }, { node: 'latency-table', port: 'backbone' });
    await editorMessage(page).getByText("Types differ: 'dataset' gives a dataset, but 'backbone' of latency-table takes a backbone.").waitFor();
    expect(await page.locator('[data-edge]').count()).toBe(1);
  });

  it('wires the rest from the inspector with the keyboard-friendly port pickers', async () => {
    await nodeOnCanvas(page, 'train').click();
    const inspector = page.getByRole('region', { name: 'Inspector' });
    await inspector.getByLabel('dataset dataset').selectOption('dataset.dataset');
    await inspector.getByLabel('backbone backbone').selectOption('backbone.backbone');
    await inspector.getByLabel(/lut latency-table/).selectOption('latency-table.lut');
    expect(await page.locator('[data-edge]').count()).toBe(4);
    await expect.poll(() => nodeOnCanvas(page, 'train').getAttribute('aria-label')).toBe('train, SPViT training, idle');
  });

  it('shows a field the validator rejects at the field and on the node, until fixed', async () => {
    const inspector = page.getByRole('region', { name: 'Inspector' });
    const epochs = inspector.locator('#cfg-train-dense-epochs');
    await epochs.fill('0');
    await inspector.getByText('Too small: expected number to be >=1').waitFor();
    await expect.poll(() => epochs.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => nodeOnCanvas(page, 'train').getAttribute('aria-label')).toBe('train, SPViT training, idle, 1 problem');
    await epochs.fill('1');
    await expect.poll(() => nodeOnCanvas(page, 'train').getAttribute('aria-label')).toBe('train, SPViT training, idle');
  });

  it('deletes with the keyboard, undoes and redoes', async () => {
    await nodeOnCanvas(page, 'device').click();
    await page.locator('svg.canvas').focus();
    await page.keyboard.press('Delete');
    expect(await page.locator('g.node').count()).toBe(4);
    await page.keyboard.press('Control+z');
    await nodeOnCanvas(page, 'device').waitFor();
    await page.keyboard.press('Control+y');
    await nodeOnCanvas(page, 'device').waitFor({ state: 'detached' });
    await page.keyboard.press('Tab');
    expect(await page.locator('svg.canvas').getAttribute('aria-activedescendant')).toBe('node-dataset');
    await page.keyboard.press('Escape');
  });

  it('drags a node with the mouse, nudges it with the arrows, undoes both, and lists the shortcuts', async () => {
    const node = nodeOnCanvas(page, 'backbone');
    const before = await node.getAttribute('transform');
    const box = (await node.locator('rect.body').boundingBox())!;
    await page.mouse.move(box.x + 100, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 160, box.y + 60, { steps: 5 });
    await page.mouse.up();
    const dragged = await node.getAttribute('transform');
    expect(dragged).not.toBe(before);
    await page.locator('svg.canvas').focus();
    await page.keyboard.press('ArrowRight');
    const [x1] = /translate\((-?\d+) /.exec(dragged!)!.slice(1).map(Number);
    const [x2] = /translate\((-?\d+) /.exec((await node.getAttribute('transform'))!)!.slice(1).map(Number);
    expect(x2! - x1!).toBe(8);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    expect(await node.getAttribute('transform')).toBe(before);
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Select the next node in run order (Shift+Tab: previous)').waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
  });

  it('saves to a .spvit.json file, starts anew, and reopens it from the recent files', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Editor test pipeline');
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await page.keyboard.press('Control+s');
    const dialog = page.getByRole('dialog', { name: 'Save pipeline as' });
    await dialog.getByLabel('File name').fill('editor-test');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await editorMessage(page).getByText(`Saved ${workspace}/editor-test.spvit.json.`).waitFor();
    const saved = JSON.parse(readFileSync(join(workspace, 'editor-test.spvit.json'), 'utf8')) as { name: string; nodes: { id: string }[]; edges: unknown[] };
    expect(saved.name).toBe('Editor test pipeline');
    expect(saved.nodes.map((n) => n.id)).toEqual(['dataset', 'backbone', 'latency-table', 'train']);
    expect(saved.edges).toHaveLength(4);

    await page.getByRole('button', { name: 'New pipeline' }).click();
    await page.getByText('This pipeline has no nodes yet').waitFor();
    await page.getByRole('button', { name: 'Add Dataset node' }).click();
    await page.keyboard.press('Control+o');
    await page.getByRole('dialog', { name: 'Unsaved changes' }).getByRole('button', { name: 'Discard changes' }).click();
    const open = page.getByRole('dialog', { name: 'Open pipeline' });
    await open.getByRole('button', { name: /Editor test pipeline/ }).click();
    await nodeOnCanvas(page, 'train').waitFor();
    expect(await page.locator('g.node').count()).toBe(4);
    expect(await page.locator('[data-edge]').count()).toBe(4);
  });

  it('runs up to a node and shows each node done', async () => {
    await nodeOnCanvas(page, 'latency-table').click();
    await page.getByRole('button', { name: 'Run to node' }).click();
    await page.locator('g.node[data-node-id="latency-table"][data-state="done"]').waitFor();
    expect(await nodeOnCanvas(page, 'backbone').getAttribute('data-state')).toBe('done');
    expect(await nodeOnCanvas(page, 'train').getAttribute('data-state')).toBe('idle');
    await page.getByRole('button', { name: 'Fit pipeline in view' }).click();
    await screenshot(page, 'pipeline-editor');
    expect(browser!.pageErrors).toEqual([]);
  });
});
