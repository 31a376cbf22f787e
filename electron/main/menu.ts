/** The application menu. */
import { app, Menu } from 'electron';

import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openPipeline(): void;
}

export function buildApplicationMenu(actions: MenuActions): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Pipeline…', accelerator: 'CmdOrCtrl+O', click: () => actions.openPipeline() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: `About ${app.getName()}`, click: () => app.showAboutPanel() }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
