/**
 * The simulated board's reader of fixed-point packages: its outputs come from the bit-exact
 * reference runner (core/export/board), its latency from the cycle model for the package's shape.
 */
import { BOARD_FORMAT_NAME, ReferenceRunner, decodePackage, isFixedPointPackage, runWireTensors } from '../../../core/export/board/index';

import type { BoardPackageReader, ReadBoardPackage } from '../../zcu102/agent/board-runtime';
import type { BoardModelShape } from '../../zcu102/protocol/board-types';
import type { PackageModel } from '../../../core/export/board/index';

function boardShape(model: PackageModel): BoardModelShape {
  const { arch, imageSize, patchSize, inChannels, embedDim, depth, heads, mlpRatio, numClasses, selectorBlocks, keptTokens } = model;
  return { arch, imageSize, patchSize, inChannels, embedDim, depth, heads, mlpRatio, numClasses, selectorBlocks: [...selectorBlocks], keptTokens: [...keptTokens] };
}

export const fixedPointReader: BoardPackageReader = {
  format: BOARD_FORMAT_NAME,
  canRead: isFixedPointPackage,
  read(bytes: Uint8Array): ReadBoardPackage {
    const runner = new ReferenceRunner(decodePackage(bytes));
    return {
      model: boardShape(runner.header.model),
      runner: {
        run: (inputs, options) => Promise.resolve().then(() => runWireTensors(runner, inputs, () => options.signal.aborted)),
      },
    };
  },
};
