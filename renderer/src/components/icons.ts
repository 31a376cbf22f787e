/** Line icons on a 24×24 grid, drawn for the studio (stroke only, so they take currentColor). */
export const ICONS = {
  phone: ['M8 2.5h8a1.5 1.5 0 0 1 1.5 1.5v16a1.5 1.5 0 0 1-1.5 1.5H8A1.5 1.5 0 0 1 6.5 20V4A1.5 1.5 0 0 1 8 2.5z', 'M11 18.5h2'],
  board: ['M7 7h10v10H7z', 'M10 10h4v4h-4z', 'M9.5 3v4M14.5 3v4M9.5 17v4M14.5 17v4M3 9.5h4M3 14.5h4M17 9.5h4M17 14.5h4'],
  refresh: ['M19.5 12a7.5 7.5 0 1 1-2.2-5.3', 'M19.5 4.5v4h-4'],
  sun: ['M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8z', 'M12 2.5v2M12 19.5v2M5.3 5.3l1.4 1.4M17.3 17.3l1.4 1.4M2.5 12h2M19.5 12h2M5.3 18.7l1.4-1.4M17.3 6.7l1.4-1.4'],
  moon: ['M19.5 14.5A7.5 7.5 0 0 1 9.5 4.5a7.5 7.5 0 1 0 10 10z'],
  play: ['M8 5.5v13l10.5-6.5z'],
  cancel: ['M12 3.5a8.5 8.5 0 1 0 0 17a8.5 8.5 0 1 0 0-17z', 'M9.2 9.2l5.6 5.6M14.8 9.2l-5.6 5.6'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  alert: ['M12 4l9 16H3z', 'M12 10v4.5', 'M12 17.2v.1'],
  info: ['M12 3.5a8.5 8.5 0 1 0 0 17a8.5 8.5 0 1 0 0-17z', 'M12 11v5', 'M12 7.8v.1'],
  zoomIn: ['M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M20 20l-4.8-4.8', 'M10.5 8v5M8 10.5h5'],
  zoomOut: ['M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M20 20l-4.8-4.8', 'M8 10.5h5'],
  fit: ['M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5'],
  jobs: ['M9.5 6.5h10M9.5 12h10M9.5 17.5h10', 'M4.5 6.5h1.5M4.5 12h1.5M4.5 17.5h1.5'],
  logs: ['M3.5 5h17v14h-17z', 'M7 9.5l2.5 2.5L7 14.5', 'M12 14.5h4.5'],
  server: ['M4 4.5h16v6H4z', 'M4 13.5h16v6H4z', 'M7.5 7.5h.1M7.5 16.5h.1', 'M11 7.5h5.5M11 16.5h5.5'],
  trash: ['M4.5 7h15', 'M10 11v5.5M14 11v5.5', 'M6.5 7l1 13h9l1-13', 'M9.5 7V4.5h5V7'],
  plus: ['M12 5v14M5 12h14'],
  pulse: ['M3 12h4l2.5-6.5 5 13 2.5-6.5h4'],
  pipeline: ['M3.5 5h6v5h-6z', 'M14.5 14h6v5h-6z', 'M9.5 7.5h2.5a2 2 0 0 1 2 2v5a2 2 0 0 0 2 2'],
  cursor: ['M5 4l13 6-5.5 1.8L10.7 17.5z'],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICONS;
