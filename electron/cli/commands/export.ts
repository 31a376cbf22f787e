import { unavailableCommand } from '../unavailable';

export const exportCommand = unavailableCommand({
  name: 'export',
  summary: 'exports a trained model',
  usage: 'spvit export --model DIR --format tflite|board --out FILE',
});
