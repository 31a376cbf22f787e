/**
 * The TFLite export of a whole model: a dense ViT/DeiT, or SPViT on ViT/DeiT in the `topk` mode
 * (static shapes: k = round(ratio * N) tokens per selector, which TFLite's fixed-size tensors need;
 * the argmax and stochastic modes keep a per-image number of tokens and cannot be exported).
 * PiT and Swin are refused with model/unsupported. Input: one NHWC float image [1, H, W, C] with
 * the same normalisation the studio's model takes; output: logits [1, classes].
 */
import { StudioError } from '../../shared/errors';

import { TfliteGraph } from './graph';
import { buildSpvitVitGraph } from './spvit-graph';
import { buildVitGraph } from './vit-graph';
import { VitLayers } from './vit-layers';
import { WeightTable } from './weights';
import { writeTflite } from './write-flatbuffer';

import type { BackboneModel } from '../../models/model';
import type { VisionTransformer } from '../../models/vit/model';
import type { SpvitModel } from '../../spvit/model';
import type { SpvitVisionTransformer } from '../../spvit/vit/spvit-vit';

export interface TfliteExport {
  bytes: Uint8Array;
  /** 'dense' for backbones, 'topk' for SPViT models. */
  mode: 'dense' | 'topk';
  architecture: string;
  input: { name: string; shape: number[]; layout: 'NHWC'; dtype: 'float32' };
  output: { shape: number[]; dtype: 'float32' };
  /** Tokens entering each block of the exported graph. */
  tokensPerBlock: number[];
  /** Operator count by type. */
  operators: Record<string, number>;
  weightsBytes: number;
  notes: string[];
}

function isSpvit(model: BackboneModel): model is SpvitModel {
  return 'selectors' in model && 'settings' in model;
}

function unsupported(architecture: string): StudioError {
  return new StudioError('model/unsupported', `TFLite export is not available for '${architecture}' models yet; it covers ViT/DeiT and SPViT on ViT/DeiT.`, {
    details: { architecture },
    hint: 'Export a ViT/DeiT-based model, or deploy PiT/Swin models to the board instead.',
  });
}

export function exportTflite(model: BackboneModel, options: { description?: string } = {}): TfliteExport {
  const graph = new TfliteGraph();
  const layers = new VitLayers(graph, WeightTable.fromParameters(model.parameters()));
  const notes: string[] = [];
  let mode: TfliteExport['mode'];
  let tokensPerBlock: number[];
  if (isSpvit(model)) {
    if (model.architecture !== 'spvit-vit') throw unsupported(model.architecture);
    const spvit = model as SpvitVisionTransformer;
    if (spvit.settings.inference.mode !== 'topk') {
      notes.push(`exported in topk mode (the model's default mode is ${spvit.settings.inference.mode}, whose token counts vary per image)`);
    }
    tokensPerBlock = buildSpvitVitGraph(layers, spvit).tokensPerBlock;
    mode = 'topk';
  } else {
    if (model.architecture !== 'vit') throw unsupported(model.architecture);
    const vit = model as VisionTransformer;
    buildVitGraph(layers, vit.config);
    tokensPerBlock = vit.tokensPerBlock();
    mode = 'dense';
  }
  const [channels, height, width] = model.inputShape;
  const description = options.description ?? `spvit-studio ${model.architecture} ${mode}`;
  const bytes = writeTflite(graph, description);
  const operators: Record<string, number> = {};
  for (const operator of graph.operators) operators[operator.op] = (operators[operator.op] ?? 0) + 1;
  const outputId = graph.outputs[0] as number;
  return {
    bytes,
    mode,
    architecture: model.architecture,
    input: { name: 'image', shape: [1, height, width, channels], layout: 'NHWC', dtype: 'float32' },
    output: { shape: graph.shapeOf(outputId), dtype: 'float32' },
    tokensPerBlock,
    operators,
    weightsBytes: graph.constantBytes(),
    notes,
  };
}

/** NCHW images (the studio's layout) -> NHWC (the exported model's), for one image. */
export function nchwToNhwc(data: Float32Array, shape: readonly [number, number, number]): Float32Array {
  const [channels, height, width] = shape;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c += 1) {
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) out[(y * width + x) * channels + c] = data[(c * height + y) * width + x] as number;
    }
  }
  return out;
}
