import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../core/shared/errors';

import { resolveAdbServerAddress } from './adb-server-address';

describe('resolveAdbServerAddress', () => {
  it('defaults to 127.0.0.1:5037 like the adb tool', () => {
    expect(resolveAdbServerAddress({})).toEqual({ host: '127.0.0.1', port: 5037 });
  });

  it('honours ANDROID_ADB_SERVER_PORT and ANDROID_ADB_SERVER_ADDRESS', () => {
    expect(resolveAdbServerAddress({ ANDROID_ADB_SERVER_PORT: '15037' })).toEqual({ host: '127.0.0.1', port: 15037 });
    expect(resolveAdbServerAddress({ ANDROID_ADB_SERVER_PORT: '6000', ANDROID_ADB_SERVER_ADDRESS: 'farm.local' })).toEqual({ host: 'farm.local', port: 6000 });
  });

  it('lets ADB_SERVER_SOCKET=tcp:HOST:PORT win over the port variable', () => {
    expect(resolveAdbServerAddress({ ADB_SERVER_SOCKET: 'tcp:10.0.0.7:5038', ANDROID_ADB_SERVER_PORT: '15037' })).toEqual({ host: '10.0.0.7', port: 5038 });
    expect(resolveAdbServerAddress({ ADB_SERVER_SOCKET: 'tcp:5039' })).toEqual({ host: '127.0.0.1', port: 5039 });
    expect(resolveAdbServerAddress({ ADB_SERVER_SOCKET: 'tcp:[::1]:5040' })).toEqual({ host: '::1', port: 5040 });
  });

  it('rejects sockets and ports it cannot use, as input/invalid', () => {
    for (const env of [{ ADB_SERVER_SOCKET: 'localfilesystem:/tmp/adb' }, { ANDROID_ADB_SERVER_PORT: 'abc' }, { ANDROID_ADB_SERVER_PORT: '70000' }]) {
      let caught: unknown;
      try {
        resolveAdbServerAddress(env);
      } catch (error) {
        caught = error;
      }
      expect(isStudioError(caught, 'input/invalid')).toBe(true);
    }
  });
});
