/** Worker thread of a ForwardPool: its own tfjs backend and model copy, forward passes on request. */
import { parentPort } from 'node:worker_threads';

import { toSerializedError } from '../../shared/errors';
import { initTensorBackend } from '../../tensor/backend';
import { inferLogits } from '../inference';
import { createModel } from '../registry';
import { loadWeightsFile } from '../weights';

import type { BackboneModel } from '../model';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
let model: BackboneModel | null = null;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case 'init': {
      const backend = await initTensorBackend({ backend: message.backend ?? undefined });
      model = createModel(message.spec, { seed: message.seed });
      if (message.weightsFile !== null) await loadWeightsFile(model, message.weightsFile);
      send({ kind: 'ready', backend });
      return;
    }
    case 'forward': {
      if (model === null) throw new Error('forward before init');
      const logits = inferLogits(model, { shape: message.shape, data: message.data }, { batchSize: message.shape[0] ?? 1 });
      send({ kind: 'result', id: message.id, shape: logits.shape, data: logits.data }, [logits.data.buffer as ArrayBuffer]);
      return;
    }
  }
}

port?.on('message', (message: ToWorker) => {
  handle(message).catch((error: unknown) => {
    send({ kind: 'error', id: message.kind === 'forward' ? message.id : null, error: toSerializedError(error) });
  });
});
