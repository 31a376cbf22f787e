/** Values that survive both structured clone (Electron IPC) and JSON (WebSocket). */
export type Jsonable =
  | string
  | number
  | boolean
  | null
  | Jsonable[]
  | { [key: string]: Jsonable | undefined };
