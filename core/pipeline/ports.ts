/**
 * Typed ports: what each node kind consumes and produces. An edge joins an output port to an input
 * port of the same type; each input takes at most one edge.
 */
export const PORT_TYPES = ['dataset', 'backbone', 'device', 'latency-table', 'model', 'evaluation', 'artifact', 'deployment'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export const NODE_KINDS = ['dataset', 'backbone', 'device', 'latency-table', 'train', 'evaluate', 'export', 'deploy'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export interface InputPort {
  type: PortType;
  /** 'always', 'never' (optional), or a rule on the node's config (see requiredInputs). */
  required: 'always' | 'optional' | 'conditional';
  description: string;
}

export interface OutputPort {
  type: PortType;
  description: string;
}

export interface NodePorts {
  inputs: Readonly<Record<string, InputPort>>;
  outputs: Readonly<Record<string, OutputPort>>;
}

export const NODE_PORTS: Readonly<Record<NodeKind, NodePorts>> = {
  dataset: { inputs: {}, outputs: { dataset: { type: 'dataset', description: 'train / validation / test images' } } },
  backbone: { inputs: {}, outputs: { backbone: { type: 'backbone', description: 'the model architecture (and pretrained weights)' } } },
  device: { inputs: {}, outputs: { device: { type: 'device', description: 'a phone or board to profile and deploy to' } } },
  'latency-table': {
    inputs: {
      backbone: { type: 'backbone', required: 'always', description: 'the model shape the table is for' },
      device: { type: 'device', required: 'conditional', description: "the device to profile (source 'device')" },
    },
    outputs: { lut: { type: 'latency-table', description: 'latency vs tokens per block type' } },
  },
  train: {
    inputs: {
      dataset: { type: 'dataset', required: 'always', description: 'training and validation data' },
      backbone: { type: 'backbone', required: 'always', description: 'the model to train' },
      lut: { type: 'latency-table', required: 'conditional', description: 'needed to turn a latency budget into keep ratios' },
    },
    outputs: { model: { type: 'model', description: 'the trained (pruned) model' } },
  },
  evaluate: {
    inputs: {
      model: { type: 'model', required: 'always', description: 'the model to evaluate' },
      dataset: { type: 'dataset', required: 'optional', description: "defaults to the training node's dataset" },
      lut: { type: 'latency-table', required: 'optional', description: 'adds predicted latency to the report' },
    },
    outputs: { evaluation: { type: 'evaluation', description: 'accuracy, keep ratios, predicted latency' } },
  },
  export: {
    inputs: {
      model: { type: 'model', required: 'always', description: 'the model to export' },
      dataset: { type: 'dataset', required: 'optional', description: 'calibration images for fixed-point export' },
    },
    outputs: { artifact: { type: 'artifact', description: 'a .tflite file or a board package' } },
  },
  deploy: {
    inputs: {
      artifact: { type: 'artifact', required: 'always', description: 'what to run on the device' },
      device: { type: 'device', required: 'always', description: 'where to run it' },
      dataset: { type: 'dataset', required: 'optional', description: 'sample inputs to compare device and host outputs' },
    },
    outputs: { deployment: { type: 'deployment', description: 'measured latency and output agreement' } },
  },
};
