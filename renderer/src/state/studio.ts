/** The root's services, created once and handed to every component through a typed context. */
import { createContext } from 'svelte';

import { DeployState } from '../deploy/deploy.svelte';
import { LatencyViewState } from '../latency/latency-view.svelte';
import { ProfilesState } from '../latency/profiles.svelte';
import { PipelineEditor } from '../pipeline/editor.svelte';
import { CheckpointMapsState } from '../tokens/checkpoint-maps.svelte';
import { TokenMapsState } from '../tokens/token-maps.svelte';
import { TrainingViewState } from '../training/training-view.svelte';
import { EditorFiles } from '../pipeline/files.svelte';
import { PaletteState } from '../pipeline/palette.svelte';
import { RunState } from '../pipeline/runs.svelte';
import { ValidationState } from '../pipeline/validation.svelte';

import { ConnectionState } from './connection.svelte';
import { DevicesState } from './devices.svelte';
import { JobsState } from './jobs.svelte';
import { LayoutState } from './layout.svelte';
import { LogsState } from './logs.svelte';
import { SelectionState } from './selection.svelte';
import { SystemState } from './system.svelte';
import { ThemeState } from './theme.svelte';
import { ViewsState } from './views.svelte';

import type { LiveTransport } from '../boot/live-transport';
import type { StudioClient } from '../boot/studio-client';

export interface Studio {
  readonly client: StudioClient;
  readonly connection: ConnectionState;
  readonly devices: DevicesState;
  readonly jobs: JobsState;
  readonly layout: LayoutState;
  readonly logs: LogsState;
  readonly selection: SelectionState;
  readonly system: SystemState;
  readonly theme: ThemeState;
  readonly views: ViewsState;
  readonly editor: PipelineEditor;
  readonly files: EditorFiles;
  readonly profiles: ProfilesState;
  readonly latency: LatencyViewState;
  readonly training: TrainingViewState;
  readonly tokenMaps: TokenMapsState;
  readonly checkpointMaps: CheckpointMapsState;
  readonly deploy: DeployState;
}

export const [getStudio, setStudio] = createContext<Studio>();

export function createStudio(live: LiveTransport, client: StudioClient, win: Window): Studio {
  const selection = new SelectionState();
  const editor = new PipelineEditor({
    palette: new PaletteState(client),
    validation: new ValidationState(client),
    runs: new RunState(client),
    selection,
  });
  return {
    client,
    connection: new ConnectionState(live),
    devices: new DevicesState(client, win),
    jobs: new JobsState(client),
    layout: new LayoutState(win),
    logs: new LogsState(client),
    selection,
    system: new SystemState(client),
    theme: new ThemeState(win),
    views: new ViewsState(),
    editor,
    files: new EditorFiles(client, editor),
    profiles: new ProfilesState(client),
    latency: new LatencyViewState(client),
    training: new TrainingViewState(client),
    tokenMaps: new TokenMapsState(client),
    checkpointMaps: new CheckpointMapsState(client),
    deploy: new DeployState(client),
  };
}

function reload(studio: Studio): void {
  void studio.system.refresh();
  void studio.jobs.refresh();
  void studio.devices.refresh();
  void studio.editor.palette.refresh();
  void studio.editor.validation.check(studio.editor.doc);
  void studio.editor.runs.refresh();
}

/**
 * Subscribes every service and reloads what they show each time the link (re)opens, since
 * events sent while it was down are lost. Returns the cleanup.
 */
export function attachStudio(studio: Studio, live: LiveTransport): () => void {
  const cleanups = [
    studio.connection.attach(),
    studio.theme.attach(),
    studio.jobs.attach(),
    studio.logs.attach(),
    studio.devices.attach(),
    studio.editor.runs.attach(),
    studio.profiles.attach(),
    studio.latency.attach(),
    studio.training.attach(),
    studio.deploy.attach(),
    studio.client.on('app.openFile', ({ path, contents }) => studio.files.openFromHost(path, contents)),
    live.onConnectionChange((info) => {
      studio.logs.noteConnection(info);
      if (info.status === 'connected') reload(studio);
    }),
  ];
  if (live.connection.status === 'connected') reload(studio);
  return () => {
    for (const cleanup of cleanups) cleanup();
  };
}
