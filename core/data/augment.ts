/** Random crop with zero padding and horizontal flip, as index arithmetic on a CHW image. */
import type { Random } from './random';
import type { AugmentConfig } from './input-config';

export interface AugmentDraw {
  /** Offsets into the padded image, each in [0, 2 * padding]. */
  offsetY: number;
  offsetX: number;
  flip: boolean;
}

export function drawAugment(config: AugmentConfig, random: Random): AugmentDraw {
  const span = 2 * config.cropPadding + 1;
  return {
    offsetY: config.cropPadding > 0 ? random.int(span) : config.cropPadding,
    offsetX: config.cropPadding > 0 ? random.int(span) : config.cropPadding,
    flip: config.horizontalFlip ? random.next() < 0.5 : false,
  };
}

/**
 * Writes the augmented version of a CHW image into `out` (same shape). Pixels that come from the
 * padding get `fill` per channel (the normalised value of black).
 */
export function applyAugment(
  image: Float32Array,
  shape: { channels: number; height: number; width: number },
  draw: AugmentDraw & { padding: number; fill: readonly number[] },
  out: Float32Array,
): void {
  const { channels, height, width } = shape;
  for (let c = 0; c < channels; c += 1) {
    const plane = c * height * width;
    const fill = draw.fill[c] ?? 0;
    for (let y = 0; y < height; y += 1) {
      const sy = y + draw.offsetY - draw.padding;
      for (let x = 0; x < width; x += 1) {
        const cx = draw.flip ? width - 1 - x : x;
        const sx = cx + draw.offsetX - draw.padding;
        out[plane + y * width + x] =
          sy < 0 || sy >= height || sx < 0 || sx >= width ? fill : (image[plane + sy * width + sx] ?? 0);
      }
    }
  }
}
