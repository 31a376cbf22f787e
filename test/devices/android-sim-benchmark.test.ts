import { describe, expect, it } from 'vitest';

import { parseBenchmarkOutput } from '../../devices/android/benchmark/parse-benchmark-output';
import { DEIT_TINY, TINY_VIT, vitTflite } from '../fixtures/android/tflite-vit';
import { GALAXY_S20 } from '../../devices/sim/phone/profiles/galaxy-s20';
import { MOTO_E5_PLAY } from '../../devices/sim/phone/profiles/moto-e5-play';
import { PIXEL_4A } from '../../devices/sim/phone/profiles/pixel-4a';
import { SimShell } from '../../devices/sim/phone/shell/shell';
import { SimPhone } from '../../devices/sim/phone/sim-phone';
import { readTfliteModel } from '../../devices/sim/phone/tflite/read-tflite';

import { formatStatLine, formatStreamDouble } from '../../devices/sim/phone/benchmark-model/tf-format';

import type { SimPhoneProfile } from '../../devices/sim/phone/profiles/profile';

const BINARY = '/data/local/tmp/benchmark_model';

function phoneWith(profile: SimPhoneProfile, model: Uint8Array): SimPhone {
  const phone = new SimPhone({ profile: structuredClone(profile), seed: 3 });
  phone.fs.writeFile(BINARY, new TextEncoder().encode('\x7fELF simulated'), { permissions: 0o755 });
  phone.fs.writeFile('/data/local/tmp/model.tflite', model);
  return phone;
}

async function shell(phone: SimPhone, line: string): Promise<{ output: string; status: number }> {
  let output = '';
  const sink = { write: (chunk: string | Uint8Array) => ((output += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk)), Promise.resolve()) };
  const status = await new SimShell(phone).run(line, { stdout: sink, stderr: sink, signal: new AbortController().signal });
  return { output, status };
}

describe('simulated benchmark_model', () => {
  const tiny = vitTflite(TINY_VIT);

  for (const [profile, format, hasStart] of [
    [GALAXY_S20, 'info-prefixed', false],
    [PIXEL_4A, 'new', true],
    [MOTO_E5_PLAY, 'old', true],
  ] as const) {
    it(`prints the ${format} output format of ${profile.id}, which the studio's parser reads back`, async () => {
      const phone = phoneWith(profile, tiny);
      const { output, status } = await shell(phone, `taskset ff ${BINARY} --graph=/data/local/tmp/model.tflite --num_threads=2 --warmup_runs=2 --num_runs=17 --min_secs=0 --enable_op_profiling=true`);
      expect(status).toBe(0);
      const result = parseBenchmarkOutput(output);
      expect(result.format).toBe(format);
      expect(result.inference?.count).toBe(17);
      expect(result.inferenceAvgUs).toBeGreaterThan(0);
      expect(result.opProfile?.hasStartColumn).toBe(hasStart);
      expect(result.opProfile?.runOrder).toHaveLength(readOps(tiny));
      expect(result.opProfile?.timings?.count).toBe(17);
    });
  }

  it('runs dense DeiT-Tiny at 40-60 ms on the Galaxy S20 big cores with 4 threads', async () => {
    const phone = phoneWith(GALAXY_S20, vitTflite(DEIT_TINY));
    const { output } = await shell(phone, `taskset f0 ${BINARY} --graph=/data/local/tmp/model.tflite --num_threads=4 --num_runs=30 --min_secs=0`);
    const ms = parseBenchmarkOutput(output).inferenceAvgUs / 1000;
    expect(ms).toBeGreaterThan(40);
    expect(ms).toBeLessThan(60);
  });

  it('heats the phone under sustained load until the governor throttles, which slows later runs', async () => {
    const phone = phoneWith(GALAXY_S20, vitTflite(DEIT_TINY));
    const run = async (): Promise<number> => parseBenchmarkOutput((await shell(phone, `taskset f0 ${BINARY} --graph=/data/local/tmp/model.tflite --num_threads=4 --warmup_runs=1 --num_runs=1500 --min_secs=0`)).output).inferenceAvgUs;
    const coolC = phone.state.cpuTemperatureC();
    const first = await run();
    expect(phone.state.cpuTemperatureC()).toBeGreaterThan(coolC + 20);
    expect(phone.state.clockScale()).toBeLessThan(1);
    const second = await run();
    expect(second).toBeGreaterThan(first * 1.1);
  });

  it('fails like the real tool without --graph and for a file that is not a model', async () => {
    const phone = phoneWith(GALAXY_S20, new TextEncoder().encode('PK\x03\x04 not a model at all'));
    const missing = await shell(phone, `${BINARY} --num_runs=5`);
    expect(missing.status).toBe(1);
    expect(missing.output).toContain('ERROR: Please specify the name of your TF Lite input file with --graph');
    const bad = await shell(phone, `${BINARY} --graph=/data/local/tmp/model.tflite`);
    expect(bad.status).toBe(1);
    expect(bad.output).toContain("should be 'TFL3'");
    expect(() => parseBenchmarkOutput(bad.output)).toThrow(/benchmark_model failed/);
  });

  it('writes the op profile to --profiling_output_csv_file instead of the console', async () => {
    const phone = phoneWith(PIXEL_4A, tiny);
    const { output } = await shell(phone, `${BINARY} --graph=/data/local/tmp/model.tflite --num_runs=3 --min_secs=0 --enable_op_profiling=true --profiling_output_csv_file=/data/local/tmp/ops.csv`);
    expect(output).not.toContain('Run Order');
    const csv = new TextDecoder().decode(phone.fs.readFile('/data/local/tmp/ops.csv')).trim().split('\n');
    expect(csv[0]).toBe('node type,first,avg_ms,%,cdf%,mem KB,times called,name');
    expect(csv).toHaveLength(readOps(tiny) + 1);
  });
});

describe('TensorFlow number formatting', () => {
  it('prints doubles as std::ostream does', () => {
    expect(formatStreamDouble(14290.9)).toBe('14290.9');
    expect(formatStreamDouble(2950340.4)).toBe('2.95034e+06');
    expect(formatStreamDouble(52.687)).toBe('52.687');
    expect(formatStreamDouble(0.5)).toBe('0.5');
    expect(formatStreamDouble(150)).toBe('150');
  });

  it('prints Stat lines in their three shapes', () => {
    expect(formatStatLine([])).toBe('count=0');
    expect(formatStatLine([11409])).toBe('count=1 curr=11409');
    expect(formatStatLine([10, 12, 14])).toBe('count=3 first=10 curr=14 min=10 max=14 avg=12 std=1');
  });
});

function readOps(model: Uint8Array): number {
  return readTfliteModel(model).operators.length;
}
