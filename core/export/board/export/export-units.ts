/** The exporters of each unit of a ViT: patch embedding, block, token selector, head. */
import { VIT_NORM_EPS } from '../../../models/vit/config';
import { fixedMultiplier, sat16 } from '../integer-math';

import { foldNorm, quantizeLinear, scaleOutputs } from './quantize';

import type { BlockParams, PackageHeader, SelectorParams } from '../package-format';
import type { ExportContext } from './export-context';

export interface VitDims {
  dim: number;
  heads: number;
  hidden: number;
  patches: number;
  numClasses: number;
}

/** Patch linear and position table; the residual stream starts at scale `residualScale`. */
export function exportEmbed(ctx: ExportContext, dims: VitDims, inputScale: number, residualScale: number): PackageHeader['embed'] {
  const patch = ctx.linear('patch_embed.proj');
  const quantized = ctx.quantize('patch_embed.proj', patch, inputScale);
  const cls = ctx.tensor('cls_token');
  const pos = ctx.tensor('pos_embed');
  const position = new Int16Array((1 + dims.patches) * dims.dim);
  for (let i = 0; i < position.length; i++) {
    const real = (pos[i] as number) + (i < dims.dim ? (cls[i] as number) : 0);
    position[i] = sat16(Math.round(real / residualScale));
  }
  return {
    patch: ctx.table.linear('patch_embed', patch, quantized),
    patchToResidual: ctx.table.requant('patch_embed.to_residual', Array.from(quantized.accScales, (scale) => scale / residualScale)),
    position: ctx.table.add('position', { dtype: 'int16', shape: [1 + dims.patches, dims.dim], data: position }),
  };
}

export function exportBlock(ctx: ExportContext, index: number, dims: VitDims): BlockParams {
  const key = `blocks.${index}`;
  const { dim, heads } = dims;
  const inScale = ctx.residualScale(`res.${index}`);
  const midScale = ctx.residualScale(`mid.${index}`);
  const outScale = ctx.residualScale(`res.${index + 1}`);
  const norm1Scale = ctx.activationScale(`b${index}.norm1`);
  const qkv = foldNorm(ctx.linear(`${key}.attn.qkv`), ctx.tensor(`${key}.norm1.weight`), ctx.tensor(`${key}.norm1.bias`));
  const qkvQuant = ctx.quantize(`${key}.attn.qkv`, qkv, norm1Scale);
  const sectionScales = ['q', 'k', 'v'].map((part) => ctx.activationScale(`b${index}.${part}`)) as [number, number, number];
  const contextScale = ctx.activationScale(`b${index}.context`);
  const layerScale = (name: string) => (ctx.has(`${key}.${name}.gamma`) ? ctx.tensor(`${key}.${name}.gamma`) : null);
  const ls1 = layerScale('ls1');
  const ls2 = layerScale('ls2');
  const proj = ls1 === null ? ctx.linear(`${key}.attn.proj`) : scaleOutputs(ctx.linear(`${key}.attn.proj`), ls1);
  const projQuant = ctx.quantize(`${key}.attn.proj`, proj, contextScale);
  const norm2Scale = ctx.activationScale(`b${index}.norm2`);
  const fc1 = foldNorm(ctx.linear(`${key}.mlp.fc1`), ctx.tensor(`${key}.norm2.weight`), ctx.tensor(`${key}.norm2.bias`));
  const mlp = ctx.linearGelu(`${key}.mlp.fc1`, fc1, norm2Scale, { inPoint: `b${index}.fc1.in`, outPoint: `b${index}.fc1.out` });
  const fc2 = ls2 === null ? ctx.linear(`${key}.mlp.fc2`) : scaleOutputs(ctx.linear(`${key}.mlp.fc2`), ls2);
  const fc2Quant = ctx.quantize(`${key}.mlp.fc2`, fc2, mlp.outputScale);
  const headDim = dim / heads;
  const probScale = 2 ** -ctx.arithmetic.probBits;
  return {
    norm1: ctx.layerNorm(dim, VIT_NORM_EPS, inScale, norm1Scale),
    qkv: ctx.table.linear(`${key}.attn.qkv`, qkv, qkvQuant),
    qkvToActivation: ctx.table.requant(`${key}.attn.qkv.to_activation`, Array.from(qkvQuant.accScales, (scale, o) => scale / (sectionScales[Math.floor(o / dim)] as number))),
    scoreToExponent: fixedMultiplier(ctx.exponentFactor((sectionScales[0] * sectionScales[1]) / Math.sqrt(headDim))),
    contextToActivation: fixedMultiplier((probScale * sectionScales[2]) / contextScale),
    proj: ctx.table.linear(`${key}.attn.proj`, proj, projQuant),
    projToResidual: ctx.table.requant(`${key}.attn.proj.to_residual`, Array.from(projQuant.accScales, (scale) => scale / midScale)),
    skip1: fixedMultiplier(inScale / midScale),
    norm2: ctx.layerNorm(dim, VIT_NORM_EPS, midScale, norm2Scale),
    fc1: mlp.params,
    fc2: ctx.table.linear(`${key}.mlp.fc2`, fc2, fc2Quant),
    fc2ToResidual: ctx.table.requant(`${key}.mlp.fc2.to_residual`, Array.from(fc2Quant.accScales, (scale) => scale / outScale)),
    skip2: fixedMultiplier(midScale / outScale),
  };
}

export interface SelectorExport {
  stage: number;
  block: number;
  keep: number;
  normEps: number;
}

export function exportSelector(ctx: ExportContext, selector: SelectorExport, dims: VitDims): SelectorParams {
  const key = `selectors.${selector.stage}`;
  const point = `s${selector.stage}`;
  const { dim, heads } = dims;
  const d = dim / heads;
  const inScale = ctx.residualScale(`res.${selector.block}`);
  let gate: SelectorParams['gate'] = null;
  if (heads > 1) {
    const meanScale = ctx.activationScale(`${point}.gate.mean`);
    const fc1 = ctx.linearGelu(`${key}.gate.fc1`, ctx.linear(`${key}.gate.fc1`), meanScale, { inPoint: `${point}.gate.fc1.in`, outPoint: `${point}.gate.fc1.out` });
    const fc2 = ctx.linear(`${key}.gate.fc2`);
    const fc2Quant = quantizeLinear(fc2, fc1.outputScale, `${key}.gate.fc2`);
    gate = {
      meanToActivation: fixedMultiplier(inScale / (d * meanScale)),
      fc1: fc1.params,
      fc2: ctx.table.linear(`${key}.gate.fc2`, fc2, fc2Quant),
      toExponent: ctx.table.requant(`${key}.gate.to_exponent`, Array.from(fc2Quant.accScales, (scale) => ctx.exponentFactor(scale))),
    };
  }
  const scorer = `${key}.scorer`;
  const normScale = ctx.activationScale(`${point}.norm`);
  const proj = foldNorm(ctx.linear(`${scorer}.proj`), ctx.tensor(`${scorer}.norm.weight`), ctx.tensor(`${scorer}.norm.bias`));
  const projUnit = ctx.linearGelu(`${scorer}.proj`, proj, normScale, { inPoint: `${point}.proj.in`, outPoint: `${point}.proj.out` });
  const fc1Unit = ctx.linearGelu(`${scorer}.fc1`, ctx.linear(`${scorer}.fc1`), projUnit.outputScale, { inPoint: `${point}.fc1.in`, outPoint: `${point}.fc1.out` });
  const fc2Unit = ctx.linearGelu(`${scorer}.fc2`, ctx.linear(`${scorer}.fc2`), fc1Unit.outputScale, { inPoint: `${point}.fc2.in`, outPoint: `${point}.fc2.out` });
  const fc3 = ctx.linear(`${scorer}.fc3`);
  const fc3Quant = quantizeLinear(fc3, fc2Unit.outputScale, `${scorer}.fc3`);
  return {
    block: selector.block,
    keep: selector.keep,
    gate,
    scorer: {
      norm: ctx.layerNorm(d, selector.normEps, inScale, normScale),
      proj: projUnit.params,
      fc1: fc1Unit.params,
      fc2: fc2Unit.params,
      fc3: ctx.table.linear(`${scorer}.fc3`, fc3, fc3Quant),
      toExponent: ctx.table.requant(`${scorer}.to_exponent`, Array.from(fc3Quant.accScales, (scale) => ctx.exponentFactor(scale))),
    },
  };
}

/** Final LayerNorm (class token) and classifier; logits come out in units of `outputScale`. */
export function exportHead(ctx: ExportContext, depth: number, dims: VitDims): { head: PackageHeader['head']; outputScale: number } {
  const inScale = ctx.residualScale(`res.${depth}`);
  const normScale = ctx.activationScale('head.norm');
  const head = foldNorm(ctx.linear('head'), ctx.tensor('norm.weight'), ctx.tensor('norm.bias'));
  const quantized = ctx.quantize('head', head, normScale);
  // Logits a little finer than the finest accumulator unit: the last requantisation loses nothing.
  const outputScale = Math.max(...quantized.accScales) / 16;
  return {
    head: {
      norm: ctx.layerNorm(dims.dim, VIT_NORM_EPS, inScale, normScale),
      linear: ctx.table.linear('head', head, quantized),
      toOutput: ctx.table.requant('head.to_output', Array.from(quantized.accScales, (scale) => scale / outputScale)),
    },
    outputScale,
  };
}
