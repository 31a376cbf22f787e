/** Worker thread of a TrainingPool: its own tfjs backend and replica; shards and evaluations on request. */
import { parentPort } from 'node:worker_threads';

import { toSerializedError } from '../shared/errors';
import { initTensorBackend } from '../tensor/backend';

import { evaluateBatch } from './evaluate-batch';
import { TrainingReplica } from './replica';
import { sharedReducer } from './shared-reducer';

import type { BatchReducer } from './batch-reducer';
import type { FromTrainWorker, ToTrainWorker, WorkerInit } from './worker-protocol';

const port = parentPort;

interface State {
  replica: TrainingReplica;
  reducer: BatchReducer;
  parameters: Float32Array;
  gradients: Float32Array;
}

let state: State | null = null;

function send(message: FromTrainWorker): void {
  port?.postMessage(message);
}

async function init(message: WorkerInit): Promise<void> {
  const backend = await initTensorBackend({ backend: message.backend ?? undefined });
  const replica = new TrainingReplica(message.spec);
  state = {
    replica,
    reducer: sharedReducer(message.reducer, message.shard),
    parameters: new Float32Array(message.parameters),
    gradients: new Float32Array(message.gradients),
  };
  send({ kind: 'ready', backend, layoutSize: replica.layout.size, tokensPerSelector: replica.tokensPerSelector });
}

function current(): State {
  if (state === null) throw new Error('The training worker got work before its init message.');
  return state;
}

async function handle(message: ToTrainWorker): Promise<void> {
  switch (message.kind) {
    case 'init':
      return init(message);
    case 'step': {
      const s = current();
      if (message.reload) s.replica.setParameters(s.parameters);
      const stats = s.replica.computeShard(message.shard, s.gradients, s.reducer);
      send({ kind: 'stepped', id: message.id, stats });
      return;
    }
    case 'teacher':
      current().replica.setTeacher(message.weights);
      send({ kind: 'done', id: message.id });
      return;
    case 'evaluate': {
      const s = current();
      if (message.reload) s.replica.setParameters(s.parameters);
      send({ kind: 'evaluated', id: message.id, result: evaluateBatch(s.replica, message) });
      return;
    }
  }
}

port?.on('message', (message: ToTrainWorker) => {
  handle(message).catch((error: unknown) => {
    send({ kind: 'error', id: message.kind === 'init' ? null : message.id, error: toSerializedError(error) });
  });
});
