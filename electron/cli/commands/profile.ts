/** `spvit profile`: builds a latency table on a phone (adb serial) with TFLite's benchmark_model. */
import { StudioError } from '../../../core/shared/errors';
import { layoutFromModel } from '../../../core/latency/layout';
import { unprunedLatencyMs } from '../../../core/latency/latency-model';
import { LUT_BLOCK_TYPES } from '../../../core/latency/lut-schema';
import { initTensorBackend } from '../../../core/tensor/backend';
import { AdbServerHub } from '../../../devices/android/node-adb-server';
import { profileAndroid } from '../../../devices/android/profiler/profile-android';
import { profileZcu102 } from '../../../devices/zcu102/profiler/profile-board';
import { booleanFlag, integerFlag, requiredFlag, stringFlag } from '../arguments';

import type { Lut, LutBlockType } from '../../../core/latency/lut-schema';
import type { CliCommand } from '../command';

/** `1,2,8` and ranges `100-120` or `100-196:8`. */
export function parseTokenList(text: string): number[] {
  const tokens = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (match === null) throw new StudioError('input/invalid', `--tokens: '${part}' is not a count or a range.`, { hint: 'Use e.g. --tokens 1,50,100-196:8' });
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (from < 1 || to < from || step < 1) throw new StudioError('input/invalid', `--tokens: '${part}' is not a valid range.`, { hint: 'Ranges go up: 100-196, or 100-196:8 with a step.' });
    for (let n = from; n <= to; n += step) tokens.add(n);
  }
  if (tokens.size === 0) throw new StudioError('input/invalid', '--tokens is empty.', { hint: 'Use e.g. --tokens 1,50,100-196:8' });
  return [...tokens].sort((a, b) => a - b);
}

function parseTables(text: string | undefined): LutBlockType[] | undefined {
  if (text === undefined) return undefined;
  const tables = text.split(',').map((t) => t.trim());
  const unknown = tables.filter((t) => !(LUT_BLOCK_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw new StudioError('input/invalid', `--tables: unknown block type(s) ${unknown.join(', ')}.`, { hint: `Block types: ${LUT_BLOCK_TYPES.join(', ')}.` });
  return tables as LutBlockType[];
}

function summary(lut: Lut): string {
  const lines = lut.tables.map((table) => {
    const first = table.points[0];
    const last = table.points[table.points.length - 1];
    return `  ${table.blockType.padEnd(21)} ${String(table.points.length).padStart(4)} point(s)  N=${first?.tokens}: ${first?.meanMs.toFixed(3)} ms .. N=${last?.tokens}: ${last?.meanMs.toFixed(3)} ms`;
  });
  const whole = lut.device.extra?.['whole-model'] as { meanMs?: number } | undefined;
  const dense = unprunedLatencyMs(lut, layoutFromModel(lut.model, []));
  lines.push(`  dense model from the table: ${dense.toFixed(2)} ms${whole?.meanMs === undefined ? '' : `; measured as one model: ${whole.meanMs.toFixed(2)} ms`}`);
  return lines.join('\n');
}

export const profileCommand: CliCommand = {
  name: 'profile',
  summary: 'builds a latency table on a device',
  usage: [
    'spvit profile --device ID (--arch ARCH | --model DIR) --out LUT.json [--tokens LIST] [--threads N] [--repeats R]',
    '              [--runs N] [--warmup N] [--tables T,...] [--benchmark-binary PATH] [--cool-down-c C] [--no-whole-model]',
    '  ID is an adb serial or zcu102@SERIAL_PATH (`spvit devices`); LIST is counts and ranges, e.g. 1,50,100-196:8 (default: a',
    '  coarse sweep refined at the latency steps). Re-running the same command resumes a partial table.',
  ].join('\n'),
  options: {
    device: { type: 'string' },
    arch: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    tokens: { type: 'string' },
    threads: { type: 'string' },
    repeats: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    tables: { type: 'string' },
    'benchmark-binary': { type: 'string' },
    'cool-down-c': { type: 'string' },
    'no-whole-model': { type: 'boolean' },
    backend: { type: 'string' },
  },
  async run(args, io) {
    const device = requiredFlag(args, 'device');
    const outPath = requiredFlag(args, 'out');
    const rawTokens = stringFlag(args, 'tokens');
    if (device.startsWith('zcu102@')) {
      await initTensorBackend({ backend: stringFlag(args, 'backend') });
      const started = Date.now();
      const result = await profileZcu102({
        deviceId: device,
        arch: stringFlag(args, 'arch'),
        modelDir: stringFlag(args, 'model'),
        outPath,
        tokens: rawTokens === undefined ? undefined : parseTokenList(rawTokens),
        blockTypes: parseTables(stringFlag(args, 'tables')),
        runs: integerFlag(args, 'runs', { min: 1, max: 10_000 }),
        warmupRuns: integerFlag(args, 'warmup', { min: 0, max: 1_000 }),
        signal: io.signal,
        onEvent: (event) => io.stderr.write(`[${event.phase === 'connect' ? 'connect' : `${event.tableIndex + 1}/${event.tableCount}`}] ${event.message}\n`),
      });
      io.stdout.write(`${result.path}: ${result.measured} point(s) measured, ${result.reused} reused, in ${((Date.now() - started) / 1000).toFixed(1)} s on ${result.lut.device.model} (${result.lut.device.delegate})\n${summary(result.lut)}\n`);
      return 0;
    }
    const coolDownC = integerFlag(args, 'cool-down-c', { min: 20, max: 100 });
    await initTensorBackend({ backend: stringFlag(args, 'backend') });
    const started = Date.now();
    const result = await profileAndroid({
      hub: new AdbServerHub(),
      serial: device,
      arch: stringFlag(args, 'arch'),
      modelDir: stringFlag(args, 'model'),
      outPath,
      threads: integerFlag(args, 'threads', { min: 1, max: 64 }),
      repeats: integerFlag(args, 'repeats', { min: 1, max: 100 }),
      runs: integerFlag(args, 'runs', { min: 1, max: 10_000 }),
      warmupRuns: integerFlag(args, 'warmup', { min: 0, max: 1_000 }),
      tokens: rawTokens === undefined ? undefined : parseTokenList(rawTokens),
      blockTypes: parseTables(stringFlag(args, 'tables')),
      wholeModel: !booleanFlag(args, 'no-whole-model'),
      ...(coolDownC === undefined ? {} : { coolDown: { thresholdC: coolDownC, timeoutMs: 120_000 } }),
      benchmarkBinary: stringFlag(args, 'benchmark-binary'),
      env: process.env,
      signal: io.signal,
      onEvent: (event) => io.stderr.write(`[${event.tableIndex + 1}/${event.tableCount}] ${event.message}\n`),
    });
    io.stdout.write(
      `${result.path}: ${result.measured} point(s) measured, ${result.reused} reused, in ${((Date.now() - started) / 1000).toFixed(1)} s on ${result.lut.device.model} (${result.lut.device.soc ?? 'unknown SoC'}), ${result.lut.device.threads} thread(s)\n${summary(result.lut)}\n`,
    );
    return 0;
  },
};
