/** The editor's keyboard shortcuts: which key does what, and the list the help overlay shows. */
export type EditorAction =
  | 'save'
  | 'saveAs'
  | 'open'
  | 'new'
  | 'undo'
  | 'redo'
  | 'help'
  | 'delete'
  | 'layout'
  | 'run'
  | 'deselect'
  | 'nextNode'
  | 'previousNode'
  | 'moveLeft'
  | 'moveRight'
  | 'moveUp'
  | 'moveDown';

export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/** Shortcuts that work anywhere in the studio (not while typing in a field, for undo and redo). */
export function globalAction(event: KeyLike, typing: boolean): EditorAction | null {
  const mod = event.ctrlKey || event.metaKey;
  if (!mod || event.altKey) return event.key === '?' && !typing && !mod ? 'help' : null;
  const key = event.key.toLowerCase();
  if (key === 's') return event.shiftKey ? 'saveAs' : 'save';
  if (key === 'o') return 'open';
  if (key === 'enter') return 'run';
  if (typing) return null;
  if (key === 'z') return event.shiftKey ? 'redo' : 'undo';
  if (key === 'y') return 'redo';
  return null;
}

/** Keys of the focused canvas (pan and zoom keys are the canvas view's). */
export function canvasAction(event: KeyLike): EditorAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  switch (event.key) {
    case 'Delete':
    case 'Backspace':
      return 'delete';
    case 'Tab':
      return event.shiftKey ? 'previousNode' : 'nextNode';
    case 'Escape':
      return 'deselect';
    case 'l':
    case 'L':
      return 'layout';
    case 'ArrowLeft':
      return 'moveLeft';
    case 'ArrowRight':
      return 'moveRight';
    case 'ArrowUp':
      return 'moveUp';
    case 'ArrowDown':
      return 'moveDown';
    default:
      return null;
  }
}

export interface ShortcutHelp {
  readonly keys: readonly string[];
  readonly what: string;
}

export const SHORTCUT_HELP: readonly { readonly group: string; readonly items: readonly ShortcutHelp[] }[] = [
  {
    group: 'File',
    items: [
      { keys: ['Ctrl', 'O'], what: 'Open a pipeline file' },
      { keys: ['Ctrl', 'S'], what: 'Save (asks for a name the first time)' },
      { keys: ['Ctrl', 'Shift', 'S'], what: 'Save as…' },
      { keys: ['Ctrl', 'Enter'], what: 'Run the whole pipeline' },
    ],
  },
  {
    group: 'Edit',
    items: [
      { keys: ['Ctrl', 'Z'], what: 'Undo' },
      { keys: ['Ctrl', 'Y'], what: 'Redo (also Ctrl+Shift+Z)' },
      { keys: ['Delete'], what: 'Delete the selected node or edge' },
      { keys: ['L'], what: 'Auto-layout in run order' },
    ],
  },
  {
    group: 'Canvas (when focused)',
    items: [
      { keys: ['Tab'], what: 'Select the next node in run order (Shift+Tab: previous)' },
      { keys: ['←', '↑', '→', '↓'], what: 'Move the selected node (Shift: further); pan when none is selected' },
      { keys: ['+', '−'], what: 'Zoom in and out' },
      { keys: ['0'], what: 'Reset the view' },
      { keys: ['Esc'], what: 'Clear the selection' },
      { keys: ['?'], what: 'Show this help' },
    ],
  },
];
