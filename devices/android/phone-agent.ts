/**
 * What the studio does with an Android phone, independent of how it is reached (an adb server over
 * TCP today; a direct daemon connection could implement the same interface). Every call takes a
 * timeout and an AbortSignal; failures are StudioErrors (device/timeout, device/disconnected,
 * device/unauthorized, cancelled).
 */

export interface PhoneCallOptions {
  /** Fails with device/timeout after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ShellResult {
  /** stdout and stderr together (adb without shell_v2 does not separate them). */
  output: string;
  exitCode: number;
}

export interface PushOptions extends PhoneCallOptions {
  /** Permission bits of the new file (0o644 by default; 0o755 for executables). */
  permissions?: number;
}

export interface RemoteFileStat {
  sizeBytes: number;
  /** Permission bits (0o755). */
  permissions: number;
  isDirectory: boolean;
  mtimeS: number;
}

export interface PhoneAgent {
  /** adb serial (e.g. 127.0.0.1:5600 or R58N21ABCDE). */
  readonly serial: string;
  /** Runs `command` with /system/bin/sh -c; resolves with its output and exit status. */
  shell(command: string, options?: PhoneCallOptions): Promise<ShellResult>;
  push(data: Uint8Array, remotePath: string, options?: PushOptions): Promise<void>;
  pull(remotePath: string, options?: PhoneCallOptions): Promise<Uint8Array>;
  /** null when the path does not exist. */
  stat(remotePath: string, options?: PhoneCallOptions): Promise<RemoteFileStat | null>;
  close(): Promise<void>;
}

/** A phone as the adb server lists it. */
export interface AdbDeviceEntry {
  serial: string;
  /** device, unauthorized, offline, authorizing, connecting, ... */
  state: string;
  product: string | null;
  model: string | null;
  device: string | null;
  transportId: string;
}

export interface PhoneHub {
  listDevices(options?: PhoneCallOptions): Promise<AdbDeviceEntry[]>;
  /** Calls `onChange` with the full list now and on every change; returns a stop function. */
  trackDevices(onChange: (devices: AdbDeviceEntry[]) => void, onError?: (error: unknown) => void, options?: { unref?: boolean }): Promise<() => Promise<void>>;
  /** `adb connect HOST:PORT` (network phones, device farms, the simulated phone). */
  connect(address: string, options?: PhoneCallOptions): Promise<void>;
  disconnect(address: string, options?: PhoneCallOptions): Promise<void>;
  /** Opens a phone in state `device`; device/unauthorized, device/not-found otherwise. */
  openPhone(serial: string, options?: PhoneCallOptions): Promise<PhoneAgent>;
}
