/**
 * adbd's `sync:` service over the simulated filesystem: STAT/LST2/STA2, LIST/LIS2, SEND, RECV,
 * QUIT. Requests are `id(4) length(4) path`; all integers little-endian; file data moves in DATA
 * chunks of at most 64 KiB; a failure is FAIL + message and ends the service (as adbd does).
 */
import { normalizePath, S_IFDIR, S_IFREG, SimFsError } from '../filesystem';

import type { SimFilesystem } from '../filesystem';
import type { AdbDaemonSocket } from './daemon-socket';

const SYNC_DATA_MAX = 64 * 1024;
const MAX_PATH_BYTES = 1024;

function id(text: string): number {
  return (text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | (text.charCodeAt(3) << 24)) >>> 0;
}

const ID = {
  STAT: id('STAT'),
  STA2: id('STA2'),
  LST2: id('LST2'),
  LIST: id('LIST'),
  LIS2: id('LIS2'),
  DENT: id('DENT'),
  DNT2: id('DNT2'),
  SEND: id('SEND'),
  RECV: id('RECV'),
  DATA: id('DATA'),
  DONE: id('DONE'),
  OKAY: id('OKAY'),
  FAIL: id('FAIL'),
  QUIT: id('QUIT'),
} as const;

/** Reads exact byte counts from an adb stream whose chunks do not follow message boundaries. */
class StreamReader {
  readonly #socket: AdbDaemonSocket;
  #buffer = new Uint8Array(0);

  constructor(socket: AdbDaemonSocket) {
    this.#socket = socket;
  }

  /** null when the stream ended first. */
  async readExactly(length: number): Promise<Uint8Array | null> {
    while (this.#buffer.length < length) {
      const chunk = await this.#socket.read();
      if (chunk === null) return null;
      const joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer);
      joined.set(chunk, this.#buffer.length);
      this.#buffer = joined;
    }
    const result = this.#buffer.slice(0, length);
    this.#buffer = this.#buffer.slice(length);
    return result;
  }
}

function header(messageId: number, value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, messageId, true);
  view.setUint32(4, value >>> 0, true);
  return bytes;
}

function fail(message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const bytes = new Uint8Array(8 + text.length);
  bytes.set(header(ID.FAIL, text.length));
  bytes.set(text, 8);
  return bytes;
}

interface StatFields {
  error: number;
  inode: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  sizeBytes: number;
  mtimeS: number;
}

function statOf(fs: SimFilesystem, path: string): StatFields {
  try {
    const stat = fs.stat(path);
    return { error: 0, ...stat };
  } catch (error) {
    if (!(error instanceof SimFsError)) throw error;
    return { error: error.errnoCode, inode: 0, mode: 0, nlink: 0, uid: 0, gid: 0, sizeBytes: 0, mtimeS: 0 };
  }
}

/** sync_stat_v2 / sync_dent_v2 body after the id: error dev ino mode nlink uid gid size atime mtime ctime. */
function writeStatV2(view: DataView, offset: number, stat: StatFields): void {
  view.setUint32(offset, stat.error, true);
  view.setBigUint64(offset + 4, stat.error === 0 ? 0xfd00n : 0n, true);
  view.setBigUint64(offset + 12, BigInt(stat.inode), true);
  view.setUint32(offset + 20, stat.mode, true);
  view.setUint32(offset + 24, stat.nlink, true);
  view.setUint32(offset + 28, stat.uid, true);
  view.setUint32(offset + 32, stat.gid, true);
  view.setBigUint64(offset + 36, BigInt(stat.sizeBytes), true);
  for (const field of [44, 52, 60]) view.setBigInt64(offset + field, BigInt(stat.mtimeS), true);
}

function encodeStatV1(path: string, fs: SimFilesystem): Uint8Array {
  const stat = statOf(fs, path);
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, ID.STAT, true);
  view.setUint32(4, stat.mode, true);
  view.setUint32(8, stat.sizeBytes >>> 0, true);
  view.setUint32(12, stat.mtimeS >>> 0, true);
  return bytes;
}

function encodeStatV2(messageId: number, path: string, fs: SimFilesystem): Uint8Array {
  const bytes = new Uint8Array(72);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, messageId, true);
  writeStatV2(view, 4, statOf(fs, path));
  return bytes;
}

function encodeList(path: string, fs: SimFilesystem, v2: boolean): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const headerBytes = v2 ? 76 : 20;
  let entries: string[] = [];
  try {
    entries = ['.', '..', ...fs.list(path).map(([name]) => name)];
  } catch (error) {
    if (!(error instanceof SimFsError)) throw error;
    // adbd answers an unreadable directory with just DONE.
  }
  for (const name of entries) {
    const target = name === '.' ? path : name === '..' ? normalizePath(`${path}/..`) : `${path.replace(/\/$/, '')}/${name}`;
    const stat = statOf(fs, target);
    const nameBytes = new TextEncoder().encode(name);
    const bytes = new Uint8Array(headerBytes + nameBytes.length);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, v2 ? ID.DNT2 : ID.DENT, true);
    if (v2) {
      writeStatV2(view, 4, stat);
      view.setUint32(72, nameBytes.length, true);
    } else {
      view.setUint32(4, stat.mode, true);
      view.setUint32(8, stat.sizeBytes >>> 0, true);
      view.setUint32(12, stat.mtimeS >>> 0, true);
      view.setUint32(16, nameBytes.length, true);
    }
    bytes.set(nameBytes, headerBytes);
    parts.push(bytes);
  }
  const done = new Uint8Array(headerBytes);
  new DataView(done.buffer).setUint32(0, ID.DONE, true);
  parts.push(done);
  return parts;
}

async function receiveFile(reader: StreamReader, socket: AdbDaemonSocket, fs: SimFilesystem, spec: string): Promise<boolean> {
  const comma = spec.lastIndexOf(',');
  if (comma === -1) {
    await socket.write(fail('missing , in ID_SEND_V1'));
    return false;
  }
  const path = spec.slice(0, comma);
  const rawMode = Number.parseInt(spec.slice(comma + 1), 10);
  // adbd copies the user permission bits to group and other.
  let mode = rawMode & 0o777;
  mode |= (mode >> 3) & 0o070;
  mode |= (mode >> 3) & 0o007;
  const chunks: Uint8Array[] = [];
  let mtimeS = 0;
  for (;;) {
    const head = await reader.readExactly(8);
    if (head === null) return false;
    const view = new DataView(head.buffer);
    const messageId = view.getUint32(0, true);
    const length = view.getUint32(4, true);
    if (messageId === ID.DONE) {
      mtimeS = length;
      break;
    }
    if (messageId !== ID.DATA || length > SYNC_DATA_MAX) {
      await socket.write(fail('invalid data message'));
      return false;
    }
    const data = await reader.readExactly(length);
    if (data === null) return false;
    chunks.push(data);
  }
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const content = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    content.set(chunk, offset);
    offset += chunk.length;
  }
  try {
    const parent = path.split('/').slice(0, -1).join('/') || '/';
    if (fs.lookup(parent) === null) fs.mkdir(parent, { parents: true });
    if ((rawMode & S_IFREG) !== S_IFREG && (rawMode & S_IFDIR) === S_IFDIR) throw new SimFsError('EISDIR', path);
    fs.writeFile(path, content, { permissions: mode });
    const node = fs.lookup(path);
    if (node?.kind === 'file' && mtimeS > 0) node.mtimeS = mtimeS;
  } catch (error) {
    if (!(error instanceof SimFsError)) throw error;
    await socket.write(fail(`couldn't create file: ${error.message}`));
    return false;
  }
  await socket.write(header(ID.OKAY, 0));
  return true;
}

async function sendFile(socket: AdbDaemonSocket, fs: SimFilesystem, path: string): Promise<boolean> {
  let content: Uint8Array;
  try {
    content = fs.readFile(path);
  } catch (error) {
    if (!(error instanceof SimFsError)) throw error;
    await socket.write(fail(`open failed: ${error.message}`));
    return false;
  }
  // One buffer of DATA messages + DONE; the socket cuts it into packets of the negotiated size.
  const messages = Math.ceil(content.length / SYNC_DATA_MAX);
  const response = new Uint8Array(content.length + messages * 8 + 8);
  let at = 0;
  for (let offset = 0; offset < content.length; offset += SYNC_DATA_MAX) {
    const chunk = content.subarray(offset, Math.min(content.length, offset + SYNC_DATA_MAX));
    response.set(header(ID.DATA, chunk.length), at);
    response.set(chunk, at + 8);
    at += 8 + chunk.length;
  }
  response.set(header(ID.DONE, 0), at);
  await socket.write(response);
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Serves one `sync:` stream until QUIT, an error, or the host closing it. */
export async function serveSync(socket: AdbDaemonSocket, fs: SimFilesystem): Promise<void> {
  const reader = new StreamReader(socket);
  for (;;) {
    const request = await reader.readExactly(8);
    if (request === null) return;
    const view = new DataView(request.buffer);
    const messageId = view.getUint32(0, true);
    const pathLength = view.getUint32(4, true);
    if (pathLength > MAX_PATH_BYTES) {
      await socket.write(fail('path too long'));
      return;
    }
    const pathBytes = await reader.readExactly(pathLength);
    if (pathBytes === null) return;
    const path = new TextDecoder().decode(pathBytes);
    switch (messageId) {
      case ID.STAT:
        await socket.write(encodeStatV1(path, fs));
        break;
      case ID.STA2:
      case ID.LST2:
        await socket.write(encodeStatV2(messageId, path, fs));
        break;
      case ID.LIST:
      case ID.LIS2:
        await socket.write(concat(encodeList(path, fs, messageId === ID.LIS2)));
        break;
      case ID.SEND:
        if (!(await receiveFile(reader, socket, fs, path))) return;
        break;
      case ID.RECV:
        if (!(await sendFile(socket, fs, path))) return;
        break;
      case ID.QUIT:
        return;
      default:
        await socket.write(fail(`unknown command ${messageId.toString(16).padStart(8, '0')}`));
        return;
    }
  }
}
