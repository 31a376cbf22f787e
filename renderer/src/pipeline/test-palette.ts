/** A palette with core/pipeline's ports, for the editor's unit tests (the backend serves the real one). */
import type { PaletteKind } from '../../../core/api/contracts/pipeline';

function kind(name: string, inputs: [string, string][], outputs: [string, string][]): PaletteKind {
  return {
    kind: name,
    label: name,
    summary: '',
    inputs: inputs.map(([port, type]) => ({ name: port, type, required: 'always', description: '' })),
    outputs: outputs.map(([port, type]) => ({ name: port, type, description: '' })),
    configSchema: {},
    defaultConfig: {},
  };
}

export const TEST_PALETTE: PaletteKind[] = [
  kind('dataset', [], [['dataset', 'dataset']]),
  kind('backbone', [], [['backbone', 'backbone']]),
  kind('latency-table', [['backbone', 'backbone']], [['lut', 'latency-table']]),
  kind('train', [['dataset', 'dataset'], ['backbone', 'backbone'], ['lut', 'latency-table']], [['model', 'model']]),
  kind('evaluate', [['model', 'model']], [['evaluation', 'evaluation']]),
];
