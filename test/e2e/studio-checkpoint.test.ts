/**
 * An official SPViT checkpoint opened in the studio: the DeiT-T fixture (official config.json and
 * key names) run on its input.npy from the Token maps tab, and the maps as DRAWN on the canvases
 * read back cell by cell and compared with the reference masks.npy. A missing file on the way shows
 * its error code and hint.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { npyToFloat32, readNpy } from '../../core/models/io/npy';
import { requireTool, sharedFixtures } from '../support/require-tool';

import { openBrowser } from './support/browser';
import { ROOT, screenshot, showView, waitConnected } from './support/studio-page';
import { startStudio } from './support/studio-process';

import type { Locator, Page } from 'playwright-core';
import type { StudioBrowser } from './support/browser';
import type { StudioProcess } from './support/studio-process';

const chromiumPath = requireTool('chromium', 'chromium');
const FIXTURE = sharedFixtures('spvit', 'spvit-deit-tiny-224');

/** Colours of one grid cell where TokenCanvas strokes a kept cell's border (two points of its top edge). */
interface CellEdge {
  corner: [number, number, number];
  middle: [number, number, number];
}

/** The top edge of every cell of a rows x cols grid laid over the whole canvas, row-major. */
function readCellEdges(map: Locator, rows: number, cols: number): Promise<CellEdge[]> {
  return map.evaluate(
    (element, grid) => {
      const canvas = element.querySelector('canvas') as HTMLCanvasElement;
      const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
      const cellWidth = canvas.width / grid.cols;
      const cellHeight = canvas.height / grid.rows;
      const rgb = (x: number, y: number): [number, number, number] => {
        const at = (Math.floor(y) * canvas.width + Math.floor(x)) * 4;
        return [pixels[at] ?? 0, pixels[at + 1] ?? 0, pixels[at + 2] ?? 0];
      };
      const edges = [];
      for (let row = 0; row < grid.rows; row += 1) {
        for (let col = 0; col < grid.cols; col += 1) {
          edges.push({ corner: rgb(col * cellWidth, row * cellHeight), middle: rgb(col * cellWidth + cellWidth / 2, row * cellHeight) });
        }
      }
      return edges;
    },
    { rows, cols },
  );
}

/**
 * A kept cell's edge is the blue stroke (rgba(109, 140, 255, 0.9): blue >= 229 whatever the image);
 * a merged cell is veiled (rgba(18, 22, 30, 0.72): blue <= 93). Anything else is a drawing we do not know.
 */
function keptFromEdge(edge: CellEdge, where: string): number {
  const kept = [edge.corner, edge.middle].map(([red, , blue]) => (blue >= 220 && red <= 130 ? 1 : blue <= 100 ? 0 : -1));
  if (kept[0] !== kept[1] || kept[0] === -1) throw new Error(`${where}: neither a kept nor a merged cell: ${JSON.stringify(edge)}`);
  return kept[0] as number;
}

describe.runIf(chromiumPath !== null)('an official SPViT checkpoint in the studio', () => {
  let studio: StudioProcess | undefined;
  let browser: StudioBrowser | undefined;
  let page: Page;
  let workspace: string;

  beforeAll(async () => {
    if (!existsSync(`${ROOT}renderer/dist/index.html`)) throw new Error('renderer/dist is missing: run `npm run build:web`.');
    workspace = mkdtempSync(join(tmpdir(), 'spvit-e2e-checkpoint-'));
    studio = await startStudio(['--data-dir', join(workspace, 'data')], { cwd: workspace });
    browser = await openBrowser(chromiumPath!, 'dark');
    page = browser.page;
    page.setDefaultTimeout(60_000);
    await page.goto(studio.url);
    await waitConnected(page);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await page.screenshot({ path: `${ROOT}test-results/checkpoint-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}.png` });
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('says what is wrong when the weights file is missing', async () => {
    await showView(page, 'Token maps');
    await page.getByRole('button', { name: 'Open checkpoint…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Open checkpoint' });
    await dialog.getByLabel('Weights file (.safetensors)').fill(join(workspace, 'missing.safetensors'));
    await dialog.getByLabel('Images file (.npy)').fill(join(FIXTURE, 'input.npy'));
    await dialog.getByRole('button', { name: 'Open', exact: true }).click();
    const alert = dialog.getByRole('alert');
    await alert.getByText('input/not-found', { exact: true }).waitFor();
    expect(await alert.innerText()).toContain(`No weights file at ${join(workspace, 'missing.safetensors')}.`);
    expect(await alert.innerText()).toContain("Give the path of the checkpoint's .safetensors file");
  });

  it('draws the DeiT-T fixture its reference masks, for every image and selector', async () => {
    const dialog = page.getByRole('dialog', { name: 'Open checkpoint' });
    await dialog.getByLabel('Weights file (.safetensors)').fill(join(FIXTURE, 'model.safetensors'));
    await dialog.getByLabel(/^Config file/).fill(join(FIXTURE, 'config.json'));
    expect(await dialog.getByLabel('Inference mode').inputValue()).toBe('argmax');
    await dialog.getByRole('button', { name: 'Open', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    const masks = await readNpy(join(FIXTURE, 'masks.npy'));
    const [selectors = 0, images = 0, tokens = 0] = masks.shape;
    const expected = npyToFloat32(masks);
    const side = Math.sqrt(tokens);
    const view = page.getByRole('region', { name: 'Token maps' });
    const opened = view.getByLabel('Opened checkpoint');
    expect(await opened.getByRole('term').allInnerTexts()).toEqual(['Weights', 'Config', 'Model']);
    expect(await opened.innerText()).toContain('official SPViT key names');
    expect(await view.getByRole('columnheader').allInnerTexts()).toEqual(['Image', ...Array.from({ length: selectors }, (_, s) => `Selector ${s + 1} · ${side}×${side}`)]);
    for (let image = 0; image < images; image += 1) {
      for (let selector = 0; selector < selectors; selector += 1) {
        const offset = (selector * images + image) * tokens;
        const want = Array.from(expected.subarray(offset, offset + tokens));
        const keptCount = want.reduce((a, b) => a + b, 0);
        const map = view.getByRole('img', { name: `Image ${image + 1} (input.npy #${image + 1}), S${selector + 1}: kept ${keptCount} of ${tokens} tokens`, exact: false });
        await map.waitFor();
        const edges = await readCellEdges(map, side, side);
        const drawn = edges.map((edge, token) => keptFromEdge(edge, `image ${image + 1}, S${selector + 1}, token ${token}`));
        expect(drawn).toEqual(want);
      }
    }
    await screenshot(page, 'official-token-maps');
    expect(browser!.pageErrors).toEqual([]);
  });
});
