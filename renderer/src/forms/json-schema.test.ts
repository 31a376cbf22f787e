import { describe, expect, it } from 'vitest';

import { fieldLabel, parseNumber, parseNumberList } from './field-text';
import { describeField, getIn, initialValue, matchesSchema, pathKey, setIn } from './json-schema';

import type { JsonSchema } from './json-schema';

// Shapes as zod's toJSONSchema writes them for core/pipeline's node configs.
const lutSchema: JsonSchema = {
  oneOf: [
    { type: 'object', properties: { source: { type: 'string', const: 'analytic' }, preset: { default: 'mobile-cpu', type: 'string', enum: ['mobile-cpu', 'zcu102'] } }, required: ['source'] },
    { type: 'object', properties: { source: { type: 'string', const: 'file' }, path: { type: 'string' } }, required: ['source', 'path'] },
  ],
};
const budgetSchema: JsonSchema = {
  anyOf: [
    { type: 'object', properties: { latencyMs: { type: 'number', exclusiveMinimum: 0 } }, required: ['latencyMs'] },
    { type: 'object', properties: { fractionOfDense: { type: 'number', exclusiveMinimum: 0, maximum: 1 } }, required: ['fractionOfDense'] },
  ],
};
const workersSchema: JsonSchema = { default: 'auto', anyOf: [{ type: 'string', const: 'auto' }, { type: 'integer', minimum: 1, maximum: 64 }] };

describe('describeField', () => {
  it('reads discriminated objects as alternatives named by their discriminator', () => {
    const model = describeField(lutSchema);
    expect(model.kind).toBe('alternatives');
    expect(model.kind === 'alternatives' && model.alternatives.map((a) => a.label)).toEqual(['analytic', 'file']);
  });

  it('names object alternatives without a discriminator by their required keys, and mixed ones by type', () => {
    const budget = describeField(budgetSchema);
    expect(budget.kind === 'alternatives' && budget.alternatives.map((a) => a.label)).toEqual(['latencyMs', 'fractionOfDense']);
    const workers = describeField(workersSchema);
    expect(workers.kind === 'alternatives' && workers.alternatives.map((a) => a.label)).toEqual(['auto', 'number']);
  });

  it('reads consts as choices, number arrays as lists, records as JSON, huge maxima as none', () => {
    expect(describeField({ anyOf: [{ type: 'number', const: 1 }, { type: 'number', const: 3 }] })).toEqual({ kind: 'choice', options: [1, 3] });
    expect(describeField({ type: 'array', items: { type: 'integer' } })).toEqual({ kind: 'list', integer: true });
    expect(describeField({ type: 'object', additionalProperties: {} })).toEqual({ kind: 'json' });
    expect(describeField({ type: 'integer', minimum: 1, maximum: 9007199254740991 })).toEqual({ kind: 'number', integer: true, min: 1, max: null });
  });
});

describe('values', () => {
  it('picks the alternative a value fits', () => {
    expect(matchesSchema(lutSchema.oneOf![1]!, { source: 'file', path: 'x' })).toBe(true);
    expect(matchesSchema(lutSchema.oneOf![0]!, { source: 'file', path: 'x' })).toBe(false);
    expect(matchesSchema(budgetSchema.anyOf![1]!, { fractionOfDense: 0.5 })).toBe(true);
    expect(matchesSchema(workersSchema.anyOf![1]!, 4)).toBe(true);
  });

  it('starts fields from their default, const, first option or required parts', () => {
    expect(initialValue(lutSchema)).toEqual({ source: 'analytic' });
    expect(initialValue(lutSchema.oneOf![1]!)).toEqual({ source: 'file', path: '' });
    expect(initialValue(budgetSchema.anyOf![0]!)).toEqual({ latencyMs: 0.001 });
    expect(initialValue(workersSchema)).toBe('auto');
  });

  it('sets and removes nested values without touching the original', () => {
    const config = { spvit: { epochs: 1, budget: { fractionOfDense: 0.7 } } };
    const changed = setIn(config, ['spvit', 'epochs'], 3);
    expect(changed).toEqual({ spvit: { epochs: 3, budget: { fractionOfDense: 0.7 } } });
    expect(setIn(config, ['spvit', 'budget'], undefined)).toEqual({ spvit: { epochs: 1 } });
    expect(config.spvit.epochs).toBe(1);
    expect(getIn(changed, ['spvit', 'budget', 'fractionOfDense'])).toBe(0.7);
    expect(pathKey(['spvit', 'keepRatios', 1])).toBe('spvit.keepRatios[1]');
  });
});

describe('field text', () => {
  it('labels fields in words with units', () => {
    expect(fieldLabel('latencyMs')).toBe('Latency (ms)');
    expect(fieldLabel('lr')).toBe('Learning rate');
    expect(fieldLabel('warmupEpochs')).toBe('Warmup epochs');
  });

  it('reads numbers and lists, refusing what is not one', () => {
    expect(parseNumber('', false)).toEqual({ ok: true, value: undefined });
    expect(parseNumber('2.5', true)).toEqual({ ok: false, error: "'2.5' is not a whole number" });
    expect(parseNumberList('1, 2 3', true)).toEqual({ ok: true, value: [1, 2, 3] });
    expect(parseNumberList('1, x', true)).toEqual({ ok: false, error: "'x' is not a number" });
  });
});

describe('configIssueMap', () => {
  it('keys issues by form field, list items under their list, and skips non-config fields', async () => {
    const { configIssueMap } = await import('./issue-map');
    const map = configIssueMap([
      { nodeId: 'train', field: 'config.spvit.epochs', message: 'too small' },
      { nodeId: 'train', field: 'config.spvit.keepRatios[1]', message: 'increases' },
      { nodeId: 'train', field: 'config', message: 'needs a stage' },
      { nodeId: 'train', field: 'inputs.lut', message: 'missing' },
    ]);
    expect(Object.fromEntries(map)).toEqual({
      'spvit.epochs': ['too small'],
      'spvit.keepRatios[1]': ['increases'],
      'spvit.keepRatios': ['increases'],
      '': ['needs a stage'],
    });
  });
});
