import { unavailableCommand } from '../unavailable';

export const inferCommand = unavailableCommand({
  name: 'infer',
  summary: 'runs a model on a .npy input',
  usage: 'spvit infer --config CFG.json | --arch NAME --weights W.safetensors --input X.npy --out Y.npy [--mode M]',
});
