import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../../core/shared/errors';
import { describeInterfaceProblem, parseIpv4Addresses } from './ip-addr';
import { decodeLatencyOnlyPackage, encodeLatencyOnlyPackage, isLatencyOnlyPackage } from './latency-package';
import { decodeLatencySamples, encodeLatencySamples, latencyStats } from './latency-samples';
import { parseBoardModelShape, planBlockTokens } from './model-shape';
import { decodeTensors, encodeTensors } from './tensors';

import type { BoardModelShape } from './board-types';

const DEIT_SMALL: BoardModelShape = {
  arch: 'deit_small_patch16_224',
  imageSize: 224,
  patchSize: 16,
  inChannels: 3,
  embedDim: 384,
  depth: 12,
  heads: 6,
  mlpRatio: 4,
  numClasses: 1000,
  selectorBlocks: [3, 6, 9],
  keptTokens: [121, 72, 27],
};

describe('tensor payloads', () => {
  it('packs tensors back to back and reads them back', () => {
    const tensors = [
      { name: 'image', dtype: 'int8' as const, shape: [1, 2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 250]) },
      { name: 'logits', dtype: 'int32' as const, shape: [2], data: new Uint8Array(new Int32Array([-7, 9]).buffer) },
    ];
    const { descriptors, payload } = encodeTensors(tensors);
    expect(descriptors.map((descriptor) => [descriptor.byteOffset, descriptor.byteLength])).toEqual([[0, 6], [6, 8]]);
    const decoded = decodeTensors(JSON.parse(JSON.stringify(descriptors)), payload);
    expect(decoded.map((tensor) => Array.from(tensor.data))).toEqual(tensors.map((tensor) => Array.from(tensor.data)));
    expect(Array.from(new Int32Array(decoded[1]?.data.slice().buffer ?? new ArrayBuffer(0)))).toEqual([-7, 9]);
  });

  it('refuses descriptors that do not match the payload', () => {
    const { descriptors, payload } = encodeTensors([{ name: 'x', dtype: 'float32', shape: [2], data: new Uint8Array(8) }]);
    expect(() => decodeTensors(descriptors, payload.subarray(0, 4))).toThrow(/does not match|must be an integer/);
    expect(() => decodeTensors([{ ...descriptors[0], shape: [3] }], payload)).toThrow(/does not match/);
    expect(() => decodeTensors(descriptors, new Uint8Array(12))).toThrow(/cover 8 bytes of a 12-byte payload/);
    expect(() => encodeTensors([{ name: 'x', dtype: 'int16', shape: [3], data: new Uint8Array(5) }])).toThrow(/needs 6 bytes/);
  });
});

describe('latency samples', () => {
  it('round-trips samples and summarises them', () => {
    const samples = [10, 12, 11, 30].map((totalMs) => ({ totalMs, acceleratorMs: totalMs - 1, cpuMs: 1 }));
    expect(decodeLatencySamples(encodeLatencySamples(samples), 4)).toEqual(samples);
    const stats = latencyStats(samples);
    expect(stats).toMatchObject({ count: 4, meanMs: 15.75, minMs: 10, maxMs: 30, medianMs: 11.5, meanCpuMs: 1 });
    expect(stats.stdMs).toBeCloseTo(9.535, 3);
    expect(() => decodeLatencySamples(new Uint8Array(10), 1)).toThrow(/Expected 1 latency samples/);
  });
});

describe('ip -4 addr output', () => {
  it('reads the address from iproute2 and BusyBox output', () => {
    const iproute = '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n    inet 192.168.1.10/24 brd 192.168.1.255 scope global dynamic eth0\n       valid_lft 86000sec preferred_lft 86000sec';
    expect(parseIpv4Addresses(iproute)).toEqual([{ address: '192.168.1.10', prefixLength: 24 }]);
    expect(parseIpv4Addresses('2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\r\n    inet 10.0.0.7/8 scope global eth0\r\n')).toEqual([{ address: '10.0.0.7', prefixLength: 8 }]);
  });

  it('finds no address on a down or missing interface and says why', () => {
    const down = '2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc mq state DOWN group default qlen 1000';
    expect(parseIpv4Addresses(down)).toEqual([]);
    expect(describeInterfaceProblem(down, 'eth0')).toMatch(/cable/);
    expect(describeInterfaceProblem('Device "eth1" does not exist.', 'eth1')).toMatch(/no interface eth1/);
    expect(parseIpv4Addresses('    inet 300.1.1.1/24 scope global eth0')).toEqual([]);
  });
});

describe('model shapes and latency-only packages', () => {
  it('plans token counts with pruned tokens removed and one package token per selector', () => {
    const plan = planBlockTokens(DEIT_SMALL);
    expect(plan.blockTokens).toEqual([197, 197, 197, 123, 123, 123, 75, 75, 75, 31, 31, 31]);
    expect(plan.selectorTokens).toEqual([196, 122, 74]);
    expect(plan.selectorBefore).toEqual([null, null, null, 0, null, null, 1, null, null, 2, null, null]);
  });

  it('refuses shapes that cannot be', () => {
    expect(() => parseBoardModelShape({ ...DEIT_SMALL, keptTokens: [121, 150, 27] })).toThrow(/more than the 121/);
    expect(() => parseBoardModelShape({ ...DEIT_SMALL, heads: 5 })).toThrow(/divisible/);
    expect(() => parseBoardModelShape({ ...DEIT_SMALL, selectorBlocks: [3, 12, 9] })).toThrow(/past the model's depth/);
    expect(isStudioError(captureError(() => parseBoardModelShape({ ...DEIT_SMALL, depth: 'twelve' })), 'input/invalid')).toBe(true);
  });

  it('round-trips a latency-only package and recognises it by its header', () => {
    const bytes = encodeLatencyOnlyPackage(DEIT_SMALL);
    expect(isLatencyOnlyPackage(bytes)).toBe(true);
    expect(decodeLatencyOnlyPackage(bytes)).toEqual(DEIT_SMALL);
    expect(isLatencyOnlyPackage(new TextEncoder().encode('{"format":"x"}'))).toBe(false);
    const damaged = bytes.slice(0, bytes.length - 5);
    expect(isStudioError(captureError(() => decodeLatencyOnlyPackage(damaged)), 'data/corrupt')).toBe(true);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
