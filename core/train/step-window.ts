/** Means of step summaries over a logging window. */
import type { ShardTerms } from './replica-spec';
import type { StepSummary } from './sharding';

const TERM_KEYS: ReadonlyArray<keyof ShardTerms> = ['total', 'ce', 'ratio', 'distill', 'token', 'hinge'];

export class StepWindow {
  private count = 0;
  private terms: ShardTerms = { total: 0, ce: 0, ratio: 0, distill: 0, token: 0, hinge: 0 };
  private accuracy = 0;
  private keep: number[] = [];
  private predicted = 0;
  private predictedCount = 0;
  private startedAt = performance.now();
  private images = 0;

  add(summary: StepSummary, images: number): void {
    this.count += 1;
    this.images += images;
    for (const key of TERM_KEYS) this.terms[key] += summary.terms[key];
    this.accuracy += summary.accuracy;
    summary.keepRatios.forEach((ratio, k) => (this.keep[k] = (this.keep[k] ?? 0) + ratio));
    if (summary.predictedMs !== null) {
      this.predicted += summary.predictedMs;
      this.predictedCount += 1;
    }
  }

  get size(): number {
    return this.count;
  }

  /** The window's means, then starts a new window. */
  take(): { terms: ShardTerms; accuracy: number; keepRatios: number[]; predictedMs: number | null; msPerStep: number; imagesPerSecond: number } {
    const n = Math.max(1, this.count);
    const elapsedMs = performance.now() - this.startedAt;
    const terms = { ...this.terms };
    for (const key of TERM_KEYS) terms[key] /= n;
    const out = {
      terms,
      accuracy: this.accuracy / n,
      keepRatios: this.keep.map((sum) => sum / n),
      predictedMs: this.predictedCount === 0 ? null : this.predicted / this.predictedCount,
      msPerStep: elapsedMs / n,
      imagesPerSecond: elapsedMs === 0 ? 0 : (this.images * 1000) / elapsedMs,
    };
    this.count = 0;
    this.images = 0;
    this.terms = { total: 0, ce: 0, ratio: 0, distill: 0, token: 0, hinge: 0 };
    this.accuracy = 0;
    this.keep = [];
    this.predicted = 0;
    this.predictedCount = 0;
    this.startedAt = performance.now();
    return out;
  }
}
