/**
 * Where the TFLite benchmark_model binary comes from (the studio cannot download one): a file the
 * user names (flag, or SPVIT_BENCHMARK_MODEL), else the copy already on the phone in
 * /data/local/tmp, which is then kept as it is.
 */
import { readFile } from 'node:fs/promises';

import { StudioError } from '../../../core/shared/errors';

import { REMOTE_BINARY } from '../benchmark/benchmark-runner';

import type { PhoneAgent } from '../phone-agent';

export const BENCHMARK_BINARY_ENV = 'SPVIT_BENCHMARK_MODEL';

export async function resolveBenchmarkBinary(phone: PhoneAgent, options: { path?: string | undefined; env?: Readonly<Record<string, string | undefined>>; signal?: AbortSignal }): Promise<{ binary: Uint8Array; source: string }> {
  const path = options.path ?? options.env?.[BENCHMARK_BINARY_ENV];
  if (path !== undefined && path !== '') {
    try {
      return { binary: new Uint8Array(await readFile(path)), source: path };
    } catch (error) {
      throw new StudioError('input/not-found', `Cannot read the benchmark_model binary ${path}.`, { cause: error, hint: 'Give the path of a benchmark_model built for the phone\'s ABI.' });
    }
  }
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const remote = await phone.stat(REMOTE_BINARY, call);
  if (remote !== null && !remote.isDirectory && remote.sizeBytes > 0) {
    // Reusing the phone's copy: BenchmarkRunner finds it identical and pushes nothing.
    return { binary: await phone.pull(REMOTE_BINARY, call), source: `${phone.serial}:${REMOTE_BINARY}` };
  }
  throw new StudioError('env/missing-tool', `${phone.serial} has no ${REMOTE_BINARY} and no benchmark_model binary was given.`, {
    details: { serial: phone.serial },
    hint: `Pass --benchmark-binary PATH (or set ${BENCHMARK_BINARY_ENV}) to TFLite's benchmark_model for the phone's ABI, or adb push it to ${REMOTE_BINARY}.`,
  });
}
