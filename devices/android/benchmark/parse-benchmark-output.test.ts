import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';

import { parseStatsLine } from './benchmark-lines';
import { parseBenchmarkOutput } from './parse-benchmark-output';

interface Case {
  input: string;
  issue?: string;
  expect?: Record<string, number | string | boolean | null>;
  expectError?: string;
}

const FIXTURES = new URL('../../../test/fixtures/android/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('benchmark-outputs.json', FIXTURES), 'utf8')) as { cases: Case[] };

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

describe('parseBenchmarkOutput on recorded outputs', () => {
  for (const testCase of manifest.cases) {
    it(`reads ${testCase.input}${testCase.issue === undefined ? '' : ` (${testCase.issue})`}`, () => {
      const raw = fixture(testCase.input);
      if (testCase.expectError !== undefined) {
        let caught: unknown;
        try {
          parseBenchmarkOutput(raw);
        } catch (error) {
          caught = error;
        }
        expect(isStudioError(caught, testCase.expectError as never)).toBe(true);
        // The raw text travels with the error so the user can see what the phone printed.
        expect(JSON.stringify((caught as { details?: unknown }).details)).toContain(JSON.stringify(raw.trim().split(/\r?\n/)[0]!).slice(1, -1));
        return;
      }
      const result = parseBenchmarkOutput(raw);
      const want = testCase.expect!;
      const got: Record<string, unknown> = {
        format: result.format,
        inferenceAvgUs: result.inferenceAvgUs,
        initUs: result.initUs,
        firstInferenceUs: result.firstInferenceUs,
        warmupAvgUs: result.warmupAvgUs,
        warmupCount: result.warmup?.count,
        inferenceCount: result.inference?.count,
        inferenceStdUs: result.inference?.stdUs,
        opRows: result.opProfile === null ? null : result.opProfile.runOrder.length,
        hasStartColumn: result.opProfile?.hasStartColumn,
        firstOp: result.opProfile?.runOrder[0]?.nodeType,
        summaryTypes: result.opProfile?.summaryByNodeType.length,
        profileTimingsCount: result.opProfile?.timings?.count,
        delegate: result.delegate,
        modelSizeMB: result.modelSizeMB,
      };
      for (const [key, value] of Object.entries(want)) expect({ [key]: got[key] }).toEqual({ [key]: value });
    });
  }

  it('reads op rows with and without the [start] column into the same fields', () => {
    const withStart = parseBenchmarkOutput(fixture('benchmark-tf2.8-op-profiling.txt')).opProfile!;
    const without = parseBenchmarkOutput(fixture('benchmark-info-prefixed-op-profiling.txt')).opProfile!;
    expect(withStart.runOrder[1]).toEqual({
      nodeType: 'DEPTHWISE_CONV_2D',
      name: '[MobilenetV1/MobilenetV1/Conv2d_1_depthwise/Relu6]:1',
      startMs: 61.033,
      firstMs: 53.628,
      avgMs: 49.87,
      percent: 1.691,
      cdfPercent: 3.757,
      memKB: 0,
      timesCalled: 1,
    });
    expect(without.runOrder[3]).toMatchObject({ nodeType: 'Fully Connected (NC, F32) GEMM', startMs: null, avgMs: 2.408, timesCalled: 3, name: 'Delegate/Fully Connected (NC, F32) GEMM:3' });
    // The initialisation section (AllocateTensors, ModifyGraphWithDelegate) is not mistaken for it.
    expect(without.runOrder.map((row) => row.nodeType)).not.toContain('ModifyGraphWithDelegate');
  });
});

describe('parseStatsLine', () => {
  it('reads the full form', () => {
    expect(parseStatsLine('count=70 first=14941 curr=14066 min=13728 max=16145 avg=14290.9 std=452')).toEqual({
      count: 70, firstUs: 14941, currentUs: 14066, minUs: 13728, maxUs: 16145, avgUs: 14290.9, stdUs: 452, allSame: false,
    });
  });

  it('reads a single sample and all-same samples as that value', () => {
    expect(parseStatsLine('count=1 curr=11409')).toMatchObject({ count: 1, avgUs: 11409, stdUs: 0, allSame: true });
    expect(parseStatsLine('count=4 curr=900(all same)')).toMatchObject({ count: 4, avgUs: 900, minUs: 900, allSame: true });
  });

  it('reads count=0 without inventing a mean', () => {
    expect(parseStatsLine('count=0')).toMatchObject({ count: 0, avgUs: null, currentUs: null });
  });

  it('is not fooled by lines that are not statistics', () => {
    expect(parseStatsLine('Number of nodes executed: 4')).toBeNull();
  });
});
