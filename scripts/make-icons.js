#!/usr/bin/env node
// Draws the app icon into build/: a rounded tile holding a 4x4 grid of image patches (a ViT's
// tokens), the pruned ones dimmed and the kept ones bright, which is what SPViT does.
// Output: build/icon.png (1024), build/icons/NxN.png for Linux. Run: node scripts/make-icons.js
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pngjs from 'pngjs';

const { PNG } = pngjs;
const buildDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');

const BACKGROUND_TOP = [23, 37, 84];
const BACKGROUND_BOTTOM = [13, 116, 144];
const KEPT = [250, 204, 21];
const PRUNED = [255, 255, 255, 0.16];
// Which tokens the icon keeps: the centre and a diagonal, like an object on a plain background.
const KEPT_TOKENS = new Set(['1,1', '1,2', '2,1', '2,2', '0,3', '3,0']);
const SUBSAMPLES = 4;

function insideRoundedRect(x, y, rect) {
  const { left, top, size, radius } = rect;
  if (x < left || y < top || x > left + size || y > top + size) return false;
  const cx = Math.min(Math.max(x, left + radius), left + size - radius);
  const cy = Math.min(Math.max(y, top + radius), top + size - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** The colour (r, g, b, alpha) of one point of the icon, in units of the icon's size (0..1). */
function colourAt(x, y) {
  const tile = { left: 0.04, top: 0.04, size: 0.92, radius: 0.2 };
  if (!insideRoundedRect(x, y, tile)) return [0, 0, 0, 0];
  const t = (y - tile.top) / tile.size;
  const background = BACKGROUND_TOP.map((top, i) => top + (BACKGROUND_BOTTOM[i] - top) * t);
  const grid = { left: 0.17, top: 0.17, cell: 0.165, gap: 0.02 };
  for (let row = 0; row < 4; row += 1) {
    for (let column = 0; column < 4; column += 1) {
      const patch = {
        left: grid.left + column * grid.cell + grid.gap / 2,
        top: grid.top + row * grid.cell + grid.gap / 2,
        size: grid.cell - grid.gap,
        radius: 0.025,
      };
      if (!insideRoundedRect(x, y, patch)) continue;
      if (KEPT_TOKENS.has(`${row},${column}`)) return [...KEPT, 1];
      const [r, g, b, alpha] = PRUNED;
      return [...background.map((value, i) => value + ([r, g, b][i] - value) * alpha), 1];
    }
  }
  return [...background, 1];
}

function drawIcon(sizePixels) {
  const png = new PNG({ width: sizePixels, height: sizePixels });
  for (let py = 0; py < sizePixels; py += 1) {
    for (let px = 0; px < sizePixels; px += 1) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SUBSAMPLES; sy += 1) {
        for (let sx = 0; sx < SUBSAMPLES; sx += 1) {
          const [r, g, b, a] = colourAt((px + (sx + 0.5) / SUBSAMPLES) / sizePixels, (py + (sy + 0.5) / SUBSAMPLES) / sizePixels);
          sum[0] += r * a;
          sum[1] += g * a;
          sum[2] += b * a;
          sum[3] += a;
        }
      }
      const offset = (py * sizePixels + px) * 4;
      const coverage = sum[3] / SUBSAMPLES ** 2;
      for (let i = 0; i < 3; i += 1) png.data[offset + i] = sum[3] === 0 ? 0 : Math.round(sum[i] / sum[3]);
      png.data[offset + 3] = Math.round(coverage * 255);
    }
  }
  return PNG.sync.write(png);
}

mkdirSync(join(buildDir, 'icons'), { recursive: true });
writeFileSync(join(buildDir, 'icon.png'), drawIcon(1024));
for (const size of [16, 32, 48, 64, 128, 256, 512]) {
  writeFileSync(join(buildDir, 'icons', `${size}x${size}.png`), drawIcon(size));
}
console.log(`icons written to ${buildDir}`);
