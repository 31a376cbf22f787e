/** The root's services, created once and handed to every component through a typed context. */
import { createContext } from 'svelte';

import { ConnectionState } from './connection.svelte';
import { DevicesState } from './devices.svelte';
import { JobsState } from './jobs.svelte';
import { LayoutState } from './layout.svelte';
import { LogsState } from './logs.svelte';
import { SelectionState } from './selection.svelte';
import { SystemState } from './system.svelte';
import { ThemeState } from './theme.svelte';

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
}

export const [getStudio, setStudio] = createContext<Studio>();

export function createStudio(live: LiveTransport, client: StudioClient, win: Window): Studio {
  return {
    client,
    connection: new ConnectionState(live),
    devices: new DevicesState(client),
    jobs: new JobsState(client),
    layout: new LayoutState(win),
    logs: new LogsState(client),
    selection: new SelectionState(),
    system: new SystemState(client),
    theme: new ThemeState(win),
  };
}

function reload(studio: Studio): void {
  void studio.system.refresh();
  void studio.jobs.refresh();
  void studio.devices.refresh();
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
