/**
 * The steps a pipeline is made of, in the order they connect. The editor's palette and the empty
 * canvas list them from here; the graph's schema itself lives in core/pipeline.
 */
import type { IconName } from '../components/icons';

export interface PipelineStep {
  /** One of core/pipeline's NODE_KINDS (the renderer reaches core only through core/api). */
  readonly kind: string;
  readonly label: string;
  readonly icon: IconName;
  /** One line: what the node does. */
  readonly summary: string;
}

export const PIPELINE_STEPS: readonly PipelineStep[] = [
  { kind: 'dataset', label: 'Dataset', icon: 'jobs', summary: 'Images and labels to train and evaluate on' },
  { kind: 'backbone', label: 'Backbone', icon: 'pipeline', summary: 'A timm ViT (DeiT, PiT, Swin) and its weights' },
  { kind: 'device', label: 'Target device', icon: 'phone', summary: 'The phone or board the model must be fast on' },
  { kind: 'latency-table', label: 'Latency table', icon: 'pulse', summary: 'Measured block latency per token count' },
  { kind: 'train', label: 'SPViT training', icon: 'play', summary: 'Token pruning trained to a latency budget' },
  { kind: 'evaluate', label: 'Evaluation', icon: 'check', summary: 'Accuracy and predicted latency' },
  { kind: 'export', label: 'Export', icon: 'server', summary: 'TFLite for phones, fixed point for the board' },
  { kind: 'deploy', label: 'Deploy', icon: 'board', summary: 'Push, run on the device, compare with the budget' },
];

const ICON_BY_KIND: ReadonlyMap<string, IconName> = new Map(PIPELINE_STEPS.map((step) => [step.kind, step.icon]));

export function iconForKind(kind: string): IconName {
  return ICON_BY_KIND.get(kind) ?? 'pipeline';
}

/** Short text for an SVG label that cannot wrap or ellipsise by itself. */
export function clipText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
