/**
 * A batch of variations of a few NCHW images, for calibrating or checking a package when only a
 * handful of real inputs exist (e.g. a fixture's one input): flips, shifts, contrast and brightness
 * changes, additive noise, cut-outs and mixes with another base image. Deterministic in the seed.
 */
import { SeededRandom } from '../../../spvit/random';

export interface PerturbOptions {
  count: number;
  seed: number;
  /**
   * 1 (default): shifts up to 16 pixels, contrast 0.7-1.3, noise up to 0.5 of the image's standard
   * deviation, mixes and cut-outs in 30% of the images. Smaller values scale every change down
   * (mixes and cut-outs only above 0.5).
   */
  strength?: number;
}

function statistics(image: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const value of image) sum += value;
  const mean = sum / image.length;
  let squares = 0;
  for (const value of image) squares += (value - mean) ** 2;
  return { mean, std: Math.sqrt(squares / image.length) || 1 };
}

function gaussian(random: SeededRandom): number {
  return Math.sqrt(-2 * Math.log(random.uniform())) * Math.cos(2 * Math.PI * random.uniform());
}

/** `count` perturbed copies of the base images [bases, C, H, W] (cycled), as one NCHW array. */
export function perturbedBatch(bases: Float32Array, shape: readonly [number, number, number], options: PerturbOptions): Float32Array {
  const [channels, height, width] = shape;
  const perImage = channels * height * width;
  const baseCount = bases.length / perImage;
  const random = new SeededRandom(options.seed);
  const strength = options.strength ?? 1;
  const maxShift = Math.round(16 * strength);
  const out = new Float32Array(options.count * perImage);
  for (let n = 0; n < options.count; n++) {
    const base = bases.subarray((n % baseCount) * perImage, ((n % baseCount) + 1) * perImage);
    const otherIndex = Math.floor(random.uniform() * baseCount);
    const other = bases.subarray(otherIndex * perImage, (otherIndex + 1) * perImage);
    const { mean, std } = statistics(base);
    const flip = random.uniform() < 0.5;
    const dy = Math.floor(random.uniform() * (2 * maxShift + 1)) - maxShift;
    const dx = Math.floor(random.uniform() * (2 * maxShift + 1)) - maxShift;
    const contrast = 1 + strength * 0.6 * (random.uniform() - 0.5);
    const brightness = (random.uniform() - 0.5) * 0.4 * strength * std;
    const noise = random.uniform() * 0.5 * strength * std;
    const rare = strength > 0.5;
    const mix = rare && random.uniform() < 0.3 ? random.uniform() * 0.4 : 0;
    const cut = rare && random.uniform() < 0.3 ? { y: Math.floor(random.uniform() * height * 0.7), x: Math.floor(random.uniform() * width * 0.7), size: Math.floor(height * (0.1 + 0.2 * random.uniform())) } : null;
    const target = out.subarray(n * perImage, (n + 1) * perImage);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const sy = (((y + dy) % height) + height) % height;
          const sxRaw = flip ? width - 1 - x : x;
          const sx = (((sxRaw + dx) % width) + width) % width;
          const source = c * height * width + sy * width + sx;
          let value = mean + contrast * ((base[source] as number) - mean) + brightness;
          if (mix > 0) value = (1 - mix) * value + mix * (other[source] as number);
          value += noise * gaussian(random);
          if (cut !== null && y >= cut.y && y < cut.y + cut.size && x >= cut.x && x < cut.x + cut.size) value = mean;
          target[c * height * width + y * width + x] = value;
        }
      }
    }
  }
  return out;
}
