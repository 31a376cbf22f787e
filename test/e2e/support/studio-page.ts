/** Helpers for the studio's e2e tests: the connection, the editor's nodes and ports, screenshots. */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Locator, Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOTS = `${ROOT}docs/screenshots`;

export async function waitConnected(page: Page): Promise<void> {
  await page.getByRole('status', { name: 'Backend connection' }).getByText('Connected', { exact: true }).waitFor();
}

export function nodeOnCanvas(page: Page, id: string): Locator {
  return page.locator(`g.node[data-node-id="${id}"]`);
}

export function editorMessage(page: Page): Locator {
  return page.getByRole('status', { name: 'Editor messages' });
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (box === null) throw new Error('element is not on screen');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a wire from an output port to an input port with the mouse, as a user does. */
export async function dragWire(page: Page, from: { node: string; port: string }, to: { node: string; port: string }): Promise<void> {
  const start = await centre(nodeOnCanvas(page, from.node).locator('.port.output').filter({ hasText: from.port }).locator('.dot'));
  const end = await centre(page.locator(`[data-input-port="${to.port}"][data-node-id="${to.node}"] .dot`));
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 4 });
  await page.mouse.move(end.x, end.y, { steps: 4 });
  await page.mouse.up();
}

export async function showView(page: Page, name: 'Pipeline' | 'Latency' | 'Training' | 'Token maps' | 'Deploy'): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}

/**
 * Writes docs/screenshots/NAME.png. `tall` makes the window taller for the shot and folds the
 * jobs panel away, for views whose story runs down the page.
 */
export async function screenshot(page: Page, name: string, options: { tall?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  if (options.tall === true && size !== null) {
    await page.setViewportSize({ width: size.width, height: 1240 });
    await page.getByRole('separator', { name: 'Resize the jobs and logs panel' }).focus();
    await page.keyboard.press('Home');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  }
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
  if (options.tall === true && size !== null) await page.setViewportSize(size);
}
