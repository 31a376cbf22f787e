/**
 * On-device outputs: benchmark_model runs the deployed file once on a given input
 * (--input_layer_value_files) and writes its outputs (--output_filepath, raw bytes of every output
 * tensor, TFLite 2.14+), which are pulled and compared with the host model. Builds without
 * --output_filepath ignore it ("Unconsumed cmdline flags"); the check is then reported as not
 * available, with that reason, never as passed.
 */
import { REMOTE_BINARY } from '../benchmark/benchmark-runner';

import { shellQuote } from './deploy-layout';

import type { PhoneAgent } from '../phone-agent';

export type OnDeviceOutputs =
  | { available: true; outputs: Float32Array; command: string }
  | { available: false; reason: string; command: string; raw: string };

export interface OnDeviceOutputsRequest {
  modelPath: string;
  /** Folder on the phone for the input and output files (removed afterwards). */
  workDir: string;
  inputName: string;
  inputShape: readonly number[];
  input: Float32Array;
  threads: number;
  signal?: AbortSignal;
}

const RUN_TIMEOUT_MS = 120_000;

export async function runOnDeviceOutputs(phone: PhoneAgent, request: OnDeviceOutputsRequest): Promise<OnDeviceOutputs> {
  const call = request.signal === undefined ? {} : { signal: request.signal };
  const inputPath = `${request.workDir}/input.bin`;
  const outputPath = `${request.workDir}/output.bin`;
  await phone.push(new Uint8Array(request.input.buffer, request.input.byteOffset, request.input.byteLength), inputPath, call);
  const command = [
    REMOTE_BINARY,
    `--graph=${shellQuote(request.modelPath)}`,
    `--num_threads=${request.threads}`,
    '--warmup_runs=0',
    '--num_runs=1',
    '--min_secs=0',
    `--input_layer=${request.inputName}`,
    `--input_layer_shape=${request.inputShape.join(',')}`,
    `--input_layer_value_files=${shellQuote(`${request.inputName}:${inputPath}`)}`,
    `--output_filepath=${shellQuote(outputPath)}`,
  ].join(' ');
  try {
    const { output, exitCode } = await phone.shell(command, { ...call, timeoutMs: RUN_TIMEOUT_MS });
    const written = await phone.stat(outputPath, call);
    if (written === null || written.sizeBytes === 0) {
      const unconsumed = /Unconsumed cmdline flags:.*$/m.exec(output)?.[0];
      const reason =
        exitCode !== 0
          ? `benchmark_model exited with status ${exitCode} when asked for outputs`
          : unconsumed !== undefined
            ? `this benchmark_model cannot write outputs (${unconsumed.trim()}); TFLite 2.14+ builds support --output_filepath`
            : 'benchmark_model wrote no output file';
      return { available: false, reason, command, raw: output.slice(-20_000) };
    }
    const bytes = await phone.pull(outputPath, call);
    const outputs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength - (bytes.byteLength % 4))));
    return { available: true, outputs, command };
  } finally {
    await phone.shell(`rm -f ${shellQuote(inputPath)} ${shellQuote(outputPath)}`, { timeoutMs: 15_000 }).catch(() => undefined);
  }
}
