/** Per-channel mean and standard deviation of pixel values in [0, 1]. */
import type { RawImageSet } from './image-set';

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Published statistics of the training splits (pixel values scaled to [0, 1]). */
export const KNOWN_STATS = {
  mnist: { mean: [0.1307], std: [0.3081] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
} as const satisfies Record<string, ChannelStats>;

/** Measures the statistics of a set (for image folders, or to check the published ones). */
export function measureStats(set: RawImageSet): ChannelStats {
  const { channels } = set.shape;
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let i = 0; i < set.pixels.length; i += 1) {
    const c = i % channels;
    const v = (set.pixels[i] ?? 0) / 255;
    sum[c] = (sum[c] ?? 0) + v;
    squares[c] = (squares[c] ?? 0) + v * v;
  }
  const n = set.pixels.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(squares, (q, c) => Math.sqrt(Math.max(q / n - (mean[c] ?? 0) ** 2, 1e-12)));
  return { mean, std };
}

/**
 * Stats for `channels` output channels from stats of the source channels: grey replicated to RGB
 * keeps its statistics per channel; RGB reduced to grey uses the luma-weighted mean and a
 * conservative std (the mean of the channel stds).
 */
export function adaptStats(stats: ChannelStats, channels: number): ChannelStats {
  if (stats.mean.length === channels) return stats;
  if (stats.mean.length === 1) {
    return { mean: new Array<number>(channels).fill(stats.mean[0] ?? 0), std: new Array<number>(channels).fill(stats.std[0] ?? 1) };
  }
  const weights = [0.299, 0.587, 0.114];
  const mean = stats.mean.reduce((s, m, c) => s + m * (weights[c] ?? 0), 0);
  const std = stats.std.reduce((s, v) => s + v, 0) / stats.std.length;
  return { mean: new Array<number>(channels).fill(mean), std: new Array<number>(channels).fill(std) };
}
