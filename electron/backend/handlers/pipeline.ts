/**
 * pipeline.*: palette, validation, files and runs for the editor. The workspace (where the file
 * browser starts and relative paths resolve) is the folder the studio was started in.
 */
import { dirname } from 'node:path';

import { checkPipeline, createDeviceKindRegistry } from '../../../core/pipeline';
import { topologicalOrder } from '../../../core/pipeline/graph';

import { runsFolder } from './luts';
import { buildPalette } from './pipeline-palette';
import { browseFolder, readPipelineFile, RecentFiles, resolveInWorkspace, writePipelineFile } from './pipeline-files';
import { pipelineExecutors } from './pipeline-executors';
import { PipelineRuns } from './pipeline-runs';

import type { EditorDocument } from '../../../core/api/contracts/pipeline';
import type { PipelineIssue } from '../../../core/pipeline';
import type { PhoneHub } from '../../../devices/android/phone-agent';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export interface PipelineServices {
  /** Default: the process's working folder. */
  workspace?: string;
  /** Phones for device nodes and device-measured latency tables. */
  hub?: () => PhoneHub;
}

type PipelineMethod =
  | 'pipeline.palette'
  | 'pipeline.validate'
  | 'pipeline.browse'
  | 'pipeline.open'
  | 'pipeline.save'
  | 'pipeline.recent'
  | 'pipeline.run'
  | 'pipeline.runUpTo'
  | 'pipeline.runStatus';

/** Node ids in run order, as far as the document's frame allows (also for invalid documents). */
function runOrder(document: unknown): string[] {
  const doc = document as Partial<EditorDocument> | null;
  const nodes = Array.isArray(doc?.nodes) ? doc.nodes.filter((node) => typeof node?.id === 'string') : [];
  const edges = Array.isArray(doc?.edges) ? doc.edges.filter((edge) => typeof edge?.from?.node === 'string' && typeof edge?.to?.node === 'string') : [];
  return topologicalOrder(nodes.map((node) => node.id), edges as never).order;
}

function validate(document: unknown, deviceKinds: ReturnType<typeof createDeviceKindRegistry>): PipelineIssue[] {
  return checkPipeline(document, { deviceKinds }).issues;
}

export function pipelineHandlers(deps: BackendDeps, services: PipelineServices = {}): BackendHandlers<PipelineMethod> {
  const workspace = services.workspace ?? process.cwd();
  const deviceKinds = createDeviceKindRegistry();
  const recent = new RecentFiles(deps.dataDir);
  // Runs share training.start's folder, so training.report and training.tokenMaps read them too.
  const runs = new PipelineRuns({ jobs: deps.jobs, runsDir: runsFolder(deps.dataDir), registry: (onTrainingProgress) => pipelineExecutors(deps, { onTrainingProgress, ...(services.hub === undefined ? {} : { hub: services.hub }) }), deviceKinds });
  const palette = buildPalette(deviceKinds);

  const start = (params: { document: unknown; path?: string | undefined; upTo?: string }, emit: Parameters<BackendHandlers<'pipeline.run'>['pipeline.run']>[1]['emit']) => {
    const path = params.path === undefined ? undefined : resolveInWorkspace(workspace, params.path);
    return runs.start(
      {
        document: params.document,
        baseDir: path === undefined ? workspace : dirname(path),
        origin: path ?? 'The pipeline',
        ...(params.upTo === undefined ? {} : { upTo: params.upTo }),
      },
      {
        nodeState: (event) => emit('pipeline.nodeState', event),
        metric: (event) => emit('pipeline.metric', event),
        trainingProgress: (event) => emit('training.progress', event),
      },
    );
  };

  return {
    'pipeline.palette': async () => palette,
    'pipeline.validate': async ({ document }) => ({ issues: validate(document, deviceKinds), order: runOrder(document) }),
    'pipeline.browse': async ({ dir }) => ({ ...(await browseFolder(resolveInWorkspace(workspace, dir ?? workspace))), workspace }),
    'pipeline.open': async ({ path }) => {
      const absolute = resolveInWorkspace(workspace, path);
      const document = await readPipelineFile(absolute);
      await recent.add(absolute, document.name);
      return { path: absolute, document, issues: validate(document, deviceKinds) };
    },
    'pipeline.save': async ({ path, document, overwrite }) => {
      const absolute = resolveInWorkspace(workspace, path);
      await writePipelineFile(absolute, document, overwrite);
      await recent.add(absolute, document.name);
      return { path: absolute, savedAt: new Date().toISOString() };
    },
    'pipeline.recent': async () => ({ files: await recent.list() }),
    'pipeline.run': async ({ document, path }, { emit }) => start({ document, path }, emit),
    'pipeline.runUpTo': async ({ document, path, nodeId }, { emit }) => start({ document, path, upTo: nodeId }, emit),
    'pipeline.runStatus': async ({ runId }) => runs.status(runId),
  };
}
