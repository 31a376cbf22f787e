/** The package reader every runtime has: latency-only packages (a shape, no weights). */
import { decodeLatencyOnlyPackage, isLatencyOnlyPackage, LATENCY_ONLY_FORMAT } from '../protocol/latency-package';

import type { BoardPackageReader, ReadBoardPackage } from './board-runtime';

export const latencyOnlyReader: BoardPackageReader = {
  format: LATENCY_ONLY_FORMAT,
  canRead: isLatencyOnlyPackage,
  read(bytes: Uint8Array): ReadBoardPackage {
    return { model: decodeLatencyOnlyPackage(bytes), runner: null };
  },
};
