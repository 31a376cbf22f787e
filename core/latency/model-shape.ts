/** The LUT's model shape (stages, token grids) of a backbone spec from the model registry. */
import { StudioError } from '../shared/errors';
import { PitConfigSchema } from '../models/pit/config';
import { pitDenseTokens } from '../models/pit/cost';
import { SwinConfigSchema } from '../models/swin/config';
import { swinDenseTokens } from '../models/swin/cost';
import { VitConfigSchema } from '../models/vit/config';

import type { ModelSpec } from '../models/architecture';
import type { LutModelShape, LutStageShape } from './lut-schema';

/** Spatial tokens per stage from the dense tokens entering each stage's first block. */
function stageGrids(denseTokens: readonly number[], depths: readonly number[], extraTokens: number): number[] {
  let index = 0;
  return depths.map((depth) => {
    const tokens = denseTokens[index] ?? 0;
    index += depth;
    return tokens - extraTokens;
  });
}

export function lutModelShapeFromSpec(spec: ModelSpec, name?: string): LutModelShape {
  const named = name === undefined ? {} : { name };
  switch (spec.architecture) {
    case 'vit': {
      const c = VitConfigSchema.parse(spec.config);
      const side = Math.floor(c.imgSize / c.patchSize);
      const extraTokens = (c.classToken ? 1 : 0) + (c.distilled ? 1 : 0) + c.regTokens;
      const stage: LutStageShape = { depth: c.depth, embedDim: c.embedDim, heads: c.numHeads, spatialTokens: side * side, extraTokens };
      return { arch: 'vit', ...named, embedDim: c.embedDim, heads: c.numHeads, mlpRatio: c.mlpRatio, depth: c.depth, stages: [stage], numClasses: Math.max(1, c.numClasses), patchSize: c.patchSize, imgSize: c.imgSize, inChans: c.inChans };
    }
    case 'pit': {
      const c = PitConfigSchema.parse(spec.config);
      const extraTokens = c.distilled ? 2 : 1;
      const grids = stageGrids(pitDenseTokens(c), c.depths, extraTokens);
      const stages = c.depths.map((depth, i) => ({ depth, embedDim: (c.baseDims[i] ?? 1) * (c.heads[i] ?? 1), heads: c.heads[i] ?? 1, spatialTokens: grids[i] ?? 1, extraTokens }));
      const first = stages[0] as LutStageShape;
      return { arch: 'pit', ...named, embedDim: first.embedDim, heads: first.heads, mlpRatio: c.mlpRatio, depth: c.depths.reduce((a, b) => a + b, 0), stages, numClasses: Math.max(1, c.numClasses), patchSize: c.patchSize[0], imgSize: c.imgSize[0], inChans: c.inChans };
    }
    case 'swin': {
      const c = SwinConfigSchema.parse(spec.config);
      const grids = stageGrids(swinDenseTokens(c), c.depths, 0);
      const stages = c.depths.map((depth, i) => {
        const side = Math.round(Math.sqrt(grids[i] ?? 1));
        return { depth, embedDim: c.embedDims[i] ?? 1, heads: c.numHeads[i] ?? 1, spatialTokens: grids[i] ?? 1, extraTokens: 0, windowSize: Math.min(c.windowSizes[i]?.[0] ?? side, side) };
      });
      const first = stages[0] as LutStageShape;
      return { arch: 'swin', ...named, embedDim: first.embedDim, heads: first.heads, mlpRatio: c.mlpRatios[0] ?? 4, depth: c.depths.reduce((a, b) => a + b, 0), stages, numClasses: Math.max(1, c.numClasses), patchSize: c.patchSize, imgSize: c.imgSize[0], inChans: c.inChans };
    }
    default:
      throw new StudioError('model/unsupported', `No latency-table shape for architecture '${spec.architecture}'`, {
        details: { architecture: spec.architecture },
        hint: 'Latency tables cover vit, pit and swin backbones.',
      });
  }
}

/** Differences between the shape a LUT was measured for and the one a pipeline uses (empty = match). */
export function compareModelShapes(measured: LutModelShape, wanted: LutModelShape): string[] {
  const problems: string[] = [];
  if (measured.arch !== wanted.arch) problems.push(`arch ${measured.arch} vs ${wanted.arch}`);
  if (measured.stages.length !== wanted.stages.length) {
    problems.push(`${measured.stages.length} vs ${wanted.stages.length} stages`);
    return problems;
  }
  measured.stages.forEach((m, i) => {
    const w = wanted.stages[i] as LutStageShape;
    for (const key of ['depth', 'embedDim', 'heads', 'spatialTokens', 'extraTokens'] as const) {
      if (m[key] !== w[key]) problems.push(`stages[${i}].${key} ${m[key]} vs ${w[key]}`);
    }
  });
  if (measured.mlpRatio !== wanted.mlpRatio) problems.push(`mlpRatio ${measured.mlpRatio} vs ${wanted.mlpRatio}`);
  return problems;
}
