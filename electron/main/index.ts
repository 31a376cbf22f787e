/**
 * The Electron main process: one instance, one locked-down window, the backend hosted over IPC,
 * and `.spvit.json` files from the OS handed to the page as `app.openFile` events.
 */
import { fileURLToPath } from 'node:url';

import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';

import { createBackend } from '../backend/create-backend';
import { toSerializedError } from '../../core/shared/errors';

import { hostIpc } from './ipc-host';
import { buildApplicationMenu } from './menu';
import { OpenedFileQueue, PIPELINE_EXTENSION, pipelineFilesIn, readPipelineFile } from './open-files';
import { createTrustedUrlCheck } from './trusted-url';
import { createMainWindow, hardenContents } from './window';

import type { StudioBackend } from '../backend/create-backend';
import type { IpcHost } from './ipc-host';

const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const rendererIndexPath = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
const isTrustedUrl = createTrustedUrlCheck({ rendererIndexPath, devServerUrl });

const openedFiles = new OpenedFileQueue();
let mainWindow: BrowserWindow | null = null;
let studio: StudioBackend | null = null;
let ipc: IpcHost | null = null;

function openFile(path: string): void {
  readPipelineFile(path).then(
    (file) => openedFiles.push(file),
    (error: unknown) => dialog.showErrorBox('Cannot open the pipeline', toSerializedError(error).message),
  );
}

function showWindow(): void {
  if (mainWindow === null) {
    createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function createWindow(): void {
  const window = createMainWindow({ preloadPath, page: devServerUrl === undefined ? { file: rendererIndexPath } : { url: devServerUrl } });
  const contents = window.webContents;
  const detach = ipc?.attach(contents);
  contents.on('did-start-loading', () => openedFiles.close());
  contents.on('did-finish-load', () => openedFiles.open((file) => studio?.backend.emit('app.openFile', file)));
  window.on('closed', () => {
    detach?.();
    openedFiles.close();
    if (mainWindow === window) mainWindow = null;
  });
  mainWindow = window;
}

async function choosePipeline(): Promise<void> {
  const options = {
    title: 'Open a pipeline',
    properties: ['openFile' as const, 'multiSelections' as const],
    filters: [{ name: 'SPViT pipelines', extensions: [PIPELINE_EXTENSION.slice(1)] }],
  };
  const choice = mainWindow === null ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(mainWindow, options);
  for (const path of choice.filePaths) openFile(path);
}

function start(): void {
  // macOS hands files over before `ready`; register at once.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openFile(path);
    if (app.isReady()) showWindow();
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    for (const path of pipelineFilesIn(argv.slice(1), workingDirectory)) openFile(path);
    if (app.isReady()) showWindow();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, isTrustedUrl));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && app.isReady()) createWindow();
  });
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed || studio === null) return;
    // Running jobs are cancelled and awaited before the process ends.
    event.preventDefault();
    disposed = true;
    ipc?.dispose();
    void studio.dispose().finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    studio = createBackend({ host: 'electron' });
    ipc = hostIpc({ ipcMain, dispatcher: studio.backend, isTrustedUrl });
    Menu.setApplicationMenu(buildApplicationMenu({ openPipeline: () => void choosePipeline() }));
    createWindow();
    for (const path of pipelineFilesIn(process.argv.slice(1), process.cwd())) openFile(path);
  });
}

if (app.requestSingleInstanceLock()) {
  start();
} else {
  // Another studio is running; it got our arguments through `second-instance`.
  app.quit();
}
