import { describe, expect, it } from 'vitest';

import { mergeRecords, progressToRecords, trainingCharts } from './training-series';

import type { TrainingProgress } from '../../../core/api/contracts/training';

function progress(stage: 'dense' | 'spvit', step: number, overrides: Partial<TrainingProgress> = {}): TrainingProgress {
  return {
    runId: 'training-1',
    nodeId: 'train',
    stage,
    step,
    steps: 20,
    epoch: step / 10,
    epochs: 2,
    loss: { total: 2 / step, ce: 1.5 / step, ratio: 0, distill: 0, token: 0, hinge: 0 },
    accuracy: 0.1 * step,
    lr: { backbone: 1e-3, selector: 1e-3 },
    keepRatios: stage === 'spvit' ? [0.9, 0.7] : [],
    targets: stage === 'spvit' ? [0.7, 0.4] : [],
    predictedMs: stage === 'spvit' ? 12 : null,
    budgetMs: stage === 'spvit' ? 10 : null,
    msPerStep: 50,
    imagesPerSecond: 1000,
    ...overrides,
  };
}

describe('training series', () => {
  it('turns a progress event into the records the trainer writes', () => {
    const records = progressToRecords(progress('spvit', 4, { validation: { images: 100, accuracy: 0.8, keepRatios: [0.7, 0.4] } }));
    expect(records.map((r) => r.name)).toEqual([
      'spvit/train/loss', 'spvit/train/loss/ce', 'spvit/train/loss/ratio', 'spvit/train/loss/distill', 'spvit/train/loss/token', 'spvit/train/loss/hinge',
      'spvit/train/accuracy', 'spvit/train/keep-ratio', 'spvit/train/keep-ratio', 'spvit/train/predicted-ms', 'spvit/val/accuracy',
    ]);
    expect(records[8]).toEqual({ nodeId: 'train', step: 4, epoch: 0.4, name: 'spvit/train/keep-ratio', value: 0.7, extra: { selector: 1, target: 0.4 } });
  });

  it('runs the SPViT steps on after the dense ones and draws targets dashed, the budget as a number', () => {
    const records = [...progressToRecords(progress('dense', 5)), ...progressToRecords(progress('dense', 10)), ...progressToRecords(progress('spvit', 5))];
    const charts = trainingCharts(records);
    expect(charts.stageBoundary).toBe(10);
    expect(charts.loss[0]!.points.map((p) => p.x)).toEqual([5, 10, 15]);
    expect(charts.loss.map((s) => s.label)).toEqual(['total loss', 'cross-entropy']);
    expect(charts.keep.map((s) => `${s.label}${s.dashed ? ' (dashed)' : ''}`)).toEqual(['S1 achieved', 'S1 target (dashed)', 'S2 achieved', 'S2 target (dashed)']);
    expect(charts.keep[3]!.points).toEqual([{ x: 15, y: 0.4 }]);
    expect(charts.latency[0]!.points).toEqual([{ x: 15, y: 12 }]);
    expect(charts.budgetMs).toBe(10);
    expect(trainingCharts(progressToRecords(progress('dense', 5)), 7).budgetMs).toBe(7);
  });

  it('merges live records into the file ones without doubles', () => {
    const file = progressToRecords(progress('dense', 5));
    const live = [...progressToRecords(progress('dense', 5)), ...progressToRecords(progress('dense', 6))];
    expect(mergeRecords(file, live)).toHaveLength(file.length * 2);
  });
});
