/** The fixed-point board package: format, exporter, bit-exact reference runner, accuracy report. */
export { BOARD_FORMAT_NAME, PACKAGE_FORMAT, PACKAGE_VERSION } from './package-format';
export type { FixedPointPackage, PackageHeader, PackageModel } from './package-format';
export { decodePackage, encodePackage, isFixedPointPackage, readPackageHeader } from './package-io';
export { ReferenceRunner, createReferenceRunner } from './reference-runner';
export type { ReferenceOutput, ReferenceRunnerOptions } from './reference-runner';
export { boardTarget } from './board-target';
export { exportBoardPackage } from './exporter';
export type { BoardExport, BoardExportOptions, ImageBatch } from './exporter';
export { dequantizeLogits, quantizeImages } from './host-io';
export { compareWithFloat, runReference } from './accuracy';
export type { AccuracyReport, FloatResult } from './accuracy';
export { floatReference } from './float-reference';
export { compareWireTensors, imageTensor, outputTensors, runWireTensors } from './board-tensors';
export type { WireTensor } from './board-tensors';
