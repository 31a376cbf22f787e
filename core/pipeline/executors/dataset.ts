/** Dataset node: checks the files, reads the images once, and passes the resolved description on. */
import { openDatasets } from '../../data/open';

import type { DatasetSpec } from '../../data/spec';
import type { ExecutorContext, NodeExecutor } from '../executors';
import type { DatasetValue } from '../port-values';

function resolveSource(source: DatasetSpec, context: ExecutorContext): DatasetSpec {
  if (source.kind === 'sample') return source;
  if (source.kind === 'fashion-mnist' && source.path === undefined) return source;
  return { ...source, path: context.resolvePath(source.path as string) } as DatasetSpec;
}

export const datasetExecutor: NodeExecutor<'dataset'> = {
  kind: 'dataset',
  async execute(context) {
    const config = context.node.config;
    const source = resolveSource(config.source, context);
    context.progress(null, `reading ${source.kind}`);
    const limits = {
      ...(config.trainLimit === undefined ? {} : { trainLimit: config.trainLimit }),
      ...(config.testLimit === undefined ? {} : { testLimit: config.testLimit }),
    };
    const opened = await openDatasets(source, { input: config.input, valFraction: config.valFraction, seed: config.seed, ...limits });
    const value: DatasetValue = {
      source,
      input: config.input,
      valFraction: config.valFraction,
      seed: config.seed,
      ...limits,
      classNames: [...opened.train.classNames],
      counts: { train: opened.train.length, val: opened.val.length, test: opened.test.length },
      hasOwnTest: opened.hasOwnTest,
      stats: opened.stats,
    };
    for (const [split, count] of Object.entries(value.counts)) context.metrics.write({ name: 'dataset/images', value: count, extra: { split } });
    return { dataset: value };
  },
};

/** Opens the Datasets a dataset port describes (what train / evaluate / export executors call). */
export async function openDatasetValue(value: DatasetValue): Promise<Awaited<ReturnType<typeof openDatasets>>> {
  return openDatasets(value.source, {
    input: value.input,
    valFraction: value.valFraction,
    seed: value.seed,
    ...(value.trainLimit === undefined ? {} : { trainLimit: value.trainLimit }),
    ...(value.testLimit === undefined ? {} : { testLimit: value.testLimit }),
  });
}
