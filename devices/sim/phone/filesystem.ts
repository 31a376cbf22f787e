/**
 * The simulated phone's filesystem: in memory, with Linux modes and errno-style errors, the
 * shell user's write permissions (only /data/local/tmp and /sdcard are writable), and generated
 * read-only files for /proc and /sys whose contents come from the phone's live state.
 */
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

const ERRNO = {
  ENOENT: { code: 2, text: 'No such file or directory' },
  EACCES: { code: 13, text: 'Permission denied' },
  EEXIST: { code: 17, text: 'File exists' },
  ENOTDIR: { code: 20, text: 'Not a directory' },
  EISDIR: { code: 21, text: 'Is a directory' },
  EINVAL: { code: 22, text: 'Invalid argument' },
  EROFS: { code: 30, text: 'Read-only file system' },
  ENOTEMPTY: { code: 39, text: 'Directory not empty' },
} as const;
export type Errno = keyof typeof ERRNO;

/** A failed file operation; `message` is the strerror text, as tools print it. */
export class SimFsError extends Error {
  readonly errno: Errno;
  readonly errnoCode: number;
  readonly path: string;

  constructor(errno: Errno, path: string) {
    super(ERRNO[errno].text);
    this.errno = errno;
    this.errnoCode = ERRNO[errno].code;
    this.path = path;
  }
}

export interface SimFile {
  kind: 'file';
  /** Permission bits only (0o755); the type bits are added by stat. */
  permissions: number;
  mtimeS: number;
  data: Uint8Array;
  /** Generated content (sysfs, procfs): read on every open. */
  generate?: () => string;
  inode: number;
}

export interface SimDirectory {
  kind: 'dir';
  permissions: number;
  mtimeS: number;
  children: Map<string, SimNode>;
  inode: number;
}

export type SimNode = SimFile | SimDirectory;

export interface SimStat {
  mode: number;
  sizeBytes: number;
  mtimeS: number;
  inode: number;
  uid: number;
  gid: number;
  nlink: number;
}

const SHELL_UID = 2000;
const WRITABLE_ROOTS = ['/data/local/tmp', '/sdcard', '/storage/emulated/0'];
const READ_ONLY_ROOTS = ['/system', '/vendor', '/proc', '/sys', '/product'];

export function normalizePath(path: string, cwd = '/'): string {
  const absolute = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
  const parts: string[] = [];
  for (const part of absolute.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

export class SimFilesystem {
  readonly #root: SimDirectory;
  readonly #now: () => number;
  #nextInode = 2;

  constructor(options: { nowS: () => number }) {
    this.#now = options.nowS;
    this.#root = { kind: 'dir', permissions: 0o755, mtimeS: options.nowS(), children: new Map(), inode: 1 };
  }

  lookup(path: string): SimNode | null {
    let node: SimNode = this.#root;
    for (const part of normalizePath(path).split('/').filter(Boolean)) {
      if (node.kind !== 'dir') return null;
      const child: SimNode | undefined = node.children.get(part);
      if (child === undefined) return null;
      node = child;
    }
    return node;
  }

  stat(path: string): SimStat {
    const node = this.#require(path);
    const sizeBytes = node.kind === 'file' ? this.#content(node).length : 4096;
    const writable = this.#writeCheck(normalizePath(path)) === null;
    return {
      mode: (node.kind === 'dir' ? S_IFDIR : S_IFREG) | node.permissions,
      sizeBytes,
      mtimeS: node.mtimeS,
      inode: node.inode,
      uid: writable ? SHELL_UID : 0,
      gid: writable ? SHELL_UID : 0,
      nlink: node.kind === 'dir' ? 2 + [...node.children.values()].filter((c) => c.kind === 'dir').length : 1,
    };
  }

  list(path: string): [string, SimNode][] {
    const node = this.#require(path);
    if (node.kind !== 'dir') throw new SimFsError('ENOTDIR', path);
    return [...node.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  readFile(path: string): Uint8Array {
    const node = this.#require(path);
    if (node.kind === 'dir') throw new SimFsError('EISDIR', path);
    return this.#content(node);
  }

  writeFile(path: string, data: Uint8Array, options: { permissions?: number; append?: boolean } = {}): void {
    const target = normalizePath(path);
    const existing = this.lookup(target);
    if (existing?.kind === 'dir') throw new SimFsError('EISDIR', path);
    const denied = this.#writeCheck(target);
    if (denied !== null) throw new SimFsError(denied, path);
    const parent = this.#parentDir(target, path);
    const name = target.split('/').pop()!;
    if (existing !== null) {
      existing.data = options.append ? concat(existing.data, data) : data;
      existing.mtimeS = this.#now();
      if (options.permissions !== undefined) existing.permissions = options.permissions;
      return;
    }
    parent.children.set(name, { kind: 'file', permissions: options.permissions ?? 0o666, mtimeS: this.#now(), data, inode: this.#inode() });
    parent.mtimeS = this.#now();
  }

  /** Installs a read-only file (system image, sysfs, procfs); not subject to permission checks. */
  installFile(path: string, content: string | (() => string), permissions = 0o444): void {
    const target = normalizePath(path);
    const parent = this.#ensureDirs(target.split('/').slice(0, -1));
    const file: SimFile = { kind: 'file', permissions, mtimeS: this.#now(), data: new Uint8Array(0), inode: this.#inode() };
    if (typeof content === 'string') file.data = new TextEncoder().encode(content);
    else file.generate = content;
    parent.children.set(target.split('/').pop()!, file);
  }

  installDirectory(path: string, permissions = 0o755): void {
    const dir = this.#ensureDirs(normalizePath(path).split('/'));
    dir.permissions = permissions;
  }

  mkdir(path: string, options: { parents?: boolean } = {}): void {
    const target = normalizePath(path);
    const existing = this.lookup(target);
    if (existing !== null) {
      if (options.parents && existing.kind === 'dir') return;
      throw new SimFsError('EEXIST', path);
    }
    const denied = this.#writeCheck(target);
    if (denied !== null) throw new SimFsError(denied, path);
    if (options.parents) {
      const parts = target.split('/').filter(Boolean);
      for (let index = 1; index <= parts.length; index += 1) {
        const prefix = `/${parts.slice(0, index).join('/')}`;
        if (this.lookup(prefix) === null) this.mkdir(prefix);
      }
      return;
    }
    const parent = this.#parentDir(target, path);
    parent.children.set(target.split('/').pop()!, { kind: 'dir', permissions: 0o775, mtimeS: this.#now(), children: new Map(), inode: this.#inode() });
  }

  remove(path: string, options: { recursive?: boolean; directory?: boolean } = {}): void {
    const target = normalizePath(path);
    const node = this.#require(target);
    const denied = this.#writeCheck(target);
    if (denied !== null || target === '/') throw new SimFsError(denied ?? 'EACCES', path);
    if (node.kind === 'dir' && !options.recursive) {
      if (!options.directory) throw new SimFsError('EISDIR', path);
      if (node.children.size > 0) throw new SimFsError('ENOTEMPTY', path);
    }
    this.#parentDir(target, path).children.delete(target.split('/').pop()!);
  }

  rename(from: string, to: string): void {
    const source = normalizePath(from);
    let target = normalizePath(to);
    const node = this.#require(source);
    const targetNode = this.lookup(target);
    if (targetNode?.kind === 'dir') target = `${target}/${source.split('/').pop()!}`;
    for (const path of [source, target]) {
      const denied = this.#writeCheck(path);
      if (denied !== null) throw new SimFsError(denied, path === source ? from : to);
    }
    const destination = this.#parentDir(target, to);
    this.#parentDir(source, from).children.delete(source.split('/').pop()!);
    destination.children.set(target.split('/').pop()!, node);
  }

  chmod(path: string, permissions: number): void {
    const target = normalizePath(path);
    const node = this.#require(target);
    if (this.#writeCheck(target) !== null) throw new SimFsError('EACCES', path);
    node.permissions = permissions & 0o7777;
  }

  #content(file: SimFile): Uint8Array {
    return file.generate === undefined ? file.data : new TextEncoder().encode(file.generate());
  }

  #require(path: string): SimNode {
    const node = this.lookup(path);
    if (node === null) throw new SimFsError('ENOENT', path);
    return node;
  }

  #parentDir(target: string, shownPath: string): SimDirectory {
    const parent = this.lookup(target.split('/').slice(0, -1).join('/') || '/');
    if (parent === null) throw new SimFsError('ENOENT', shownPath);
    if (parent.kind !== 'dir') throw new SimFsError('ENOTDIR', shownPath);
    return parent;
  }

  #writeCheck(target: string): Errno | null {
    if (WRITABLE_ROOTS.some((root) => isUnder(target, root) && target !== root)) return null;
    if (READ_ONLY_ROOTS.some((root) => isUnder(target, root))) return 'EROFS';
    return 'EACCES';
  }

  #ensureDirs(parts: string[]): SimDirectory {
    let dir = this.#root;
    for (const part of parts.filter(Boolean)) {
      let child = dir.children.get(part);
      if (child === undefined) {
        child = { kind: 'dir', permissions: 0o755, mtimeS: this.#now(), children: new Map(), inode: this.#inode() };
        dir.children.set(part, child);
      }
      if (child.kind !== 'dir') throw new SimFsError('ENOTDIR', part);
      dir = child;
    }
    return dir;
  }

  #inode(): number {
    this.#nextInode += 1;
    return this.#nextInode;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
