import { describe, expect, it } from 'vitest';

import {
  ADB_VERSION_MIN,
  ADB_VERSION_SKIP_CHECKSUM,
  AdbAuthType,
  AdbCommand,
  AdbPacketReader,
  adbChecksum,
  adbCommandName,
  encodeAdbPacket,
} from '../../../android/protocol/adb-packet';
import { GALAXY_S20 } from '../profiles/galaxy-s20';
import { MOTO_E5_PLAY } from '../profiles/moto-e5-play';
import { SimPhone } from '../sim-phone';

import { AdbDaemonConnection } from './daemon-connection';

import type { AdbPacket } from '../../../android/protocol/adb-packet';
import type { SimAdbAuthPolicy } from './daemon-connection';
import type { SimPhoneProfile } from '../profiles/profile';

const HOST_BANNER = 'host::features=shell_v2,cmd,stat_v2,ls_v2,fixed_push_mkdir';

/** Plays the adb server's side of the transport against one daemon connection. */
class Host {
  readonly phone: SimPhone;
  readonly connection: AdbDaemonConnection;
  readonly raw: Uint8Array[] = [];
  readonly #queue: AdbPacket[] = [];
  readonly #waiters: ((packet: AdbPacket) => void)[] = [];
  readonly #reader = new AdbPacketReader({ maxPayloadBytes: () => 1 << 24, verifyChecksum: () => false });
  dropped: unknown = null;
  #nextId = 100;

  constructor(profile: SimPhoneProfile, auth: SimAdbAuthPolicy = 'none') {
    this.phone = new SimPhone({ profile: structuredClone(profile), auth });
    this.connection = new AdbDaemonConnection({
      banner: this.phone.banner(),
      protocolVersion: profile.adb.protocolVersion,
      maxPayloadBytes: profile.adb.maxPayloadBytes,
      auth,
      openService: (service) => this.phone.openService(service),
      send: (bytes) => {
        this.raw.push(bytes);
        for (const packet of this.#reader.push(bytes)) {
          const waiter = this.#waiters.shift();
          if (waiter === undefined) this.#queue.push(packet);
          else waiter(packet);
        }
      },
      drop: (reason) => {
        this.dropped = reason;
      },
    });
  }

  send(packet: { command: number; arg0?: number; arg1?: number; payload?: Uint8Array | string }, withChecksum = false): void {
    const payload = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : (packet.payload ?? new Uint8Array(0));
    this.connection.receive(encodeAdbPacket({ command: packet.command, arg0: packet.arg0 ?? 0, arg1: packet.arg1 ?? 0, payload }, { withChecksum }));
  }

  next(): Promise<AdbPacket> {
    const queued = this.#queue.shift();
    return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => this.#waiters.push(resolve));
  }

  pending(): number {
    return this.#queue.length;
  }

  async connect(version: number, maxPayload: number): Promise<AdbPacket> {
    this.send({ command: AdbCommand.Connect, arg0: version, arg1: maxPayload, payload: HOST_BANNER }, true);
    return this.next();
  }

  /** OPENs a service and collects its output until CLSE, acknowledging every WRTE. */
  async collect(service: string, withChecksum = false): Promise<string> {
    const hostId = this.#nextId++;
    this.send({ command: AdbCommand.Open, arg0: hostId, payload: `${service}\0` }, withChecksum);
    const ready = await this.next();
    expect(adbCommandName(ready.command)).toBe('OKAY');
    expect(ready.arg1).toBe(hostId);
    let output = '';
    for (;;) {
      const packet = await this.next();
      if (packet.command === AdbCommand.Close) return output;
      expect(adbCommandName(packet.command)).toBe('WRTE');
      output += new TextDecoder().decode(packet.payload);
      this.send({ command: AdbCommand.Okay, arg0: hostId, arg1: packet.arg0 }, withChecksum);
    }
  }
}

function checksumField(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(16, true);
}

describe('AdbDaemonConnection', () => {
  it('answers a modern host with version 0x01000001, the smaller max payload and a device banner without shell_v2', async () => {
    const host = new Host(GALAXY_S20);
    const reply = await host.connect(ADB_VERSION_SKIP_CHECKSUM, 256 * 1024);
    expect(adbCommandName(reply.command)).toBe('CNXN');
    expect(reply.arg0).toBe(ADB_VERSION_SKIP_CHECKSUM);
    expect(reply.arg1).toBe(256 * 1024);
    const banner = new TextDecoder().decode(reply.payload);
    expect(banner).toBe('device::ro.product.name=x1seea;ro.product.model=SM-G980F;ro.product.device=x1s;features=stat_v2,ls_v2,fixed_push_mkdir,apex,fixed_push_symlink_timestamp');
    expect(banner).not.toContain('shell_v2');
    // The handshake carries a checksum; afterwards a modern daemon sends 0 and checks none.
    expect(checksumField(host.raw[0]!)).not.toBe(0);
    expect(await host.collect('shell:getprop ro.product.model')).toBe('SM-G980F\n');
    expect(host.raw.slice(1).every((bytes) => checksumField(bytes) === 0)).toBe(true);
  });

  it('negotiates down to an old daemon: version 0x01000000, checksums on every packet, bad checksums dropped', async () => {
    const host = new Host(MOTO_E5_PLAY);
    const reply = await host.connect(ADB_VERSION_SKIP_CHECKSUM, 1024 * 1024);
    expect(reply.arg0).toBe(ADB_VERSION_MIN);
    expect(reply.arg1).toBe(256 * 1024);
    expect(await host.collect('exec:echo legacy', true)).toBe('legacy\n');
    const withPayload = host.raw.slice(1).filter((bytes) => bytes.length > 24);
    expect(withPayload.length).toBeGreaterThan(0);
    expect(withPayload.every((bytes) => checksumField(bytes) === adbChecksum(bytes.subarray(24)))).toBe(true);
    host.send({ command: AdbCommand.Open, arg0: 7, payload: 'shell:echo x\0' }, false);
    expect(String(host.dropped)).toMatch(/checksum/);
  });

  it('closes unknown services at once with CLSE(0, id)', async () => {
    const host = new Host(GALAXY_S20);
    await host.connect(ADB_VERSION_SKIP_CHECKSUM, 1024 * 1024);
    host.send({ command: AdbCommand.Open, arg0: 42, payload: 'shell,v2,raw:echo hi\0' });
    const reply = await host.next();
    expect([adbCommandName(reply.command), reply.arg0, reply.arg1]).toEqual(['CLSE', 0, 42]);
  });

  it('sends one WRTE at a time and waits for OKAY before the next (no delayed_ack)', async () => {
    const host = new Host(GALAXY_S20);
    await host.connect(ADB_VERSION_SKIP_CHECKSUM, 4096);
    host.phone.fs.writeFile('/data/local/tmp/big', new Uint8Array(10_000).fill(65));
    host.send({ command: AdbCommand.Open, arg0: 9, payload: 'exec:cat /data/local/tmp/big\0' });
    await host.next();
    const first = await host.next();
    expect(first.payload.length).toBe(4096);
    // Let the service run: without an OKAY it must not send more.
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.pending()).toBe(0);
    host.send({ command: AdbCommand.Okay, arg0: 9, arg1: first.arg0 });
    const second = await host.next();
    expect([adbCommandName(second.command), second.payload.length]).toEqual(['WRTE', 4096]);
  });

  it('keeps the RSA prompt up when nobody accepts it (unauthorized) and ignores streams meanwhile', async () => {
    const host = new Host(GALAXY_S20, 'reject');
    const challenge = await host.connect(ADB_VERSION_SKIP_CHECKSUM, 1024 * 1024);
    expect([adbCommandName(challenge.command), challenge.arg0, challenge.payload.length]).toEqual(['AUTH', AdbAuthType.Token, 20]);
    host.send({ command: AdbCommand.Auth, arg0: AdbAuthType.Signature, payload: new Uint8Array(256) }, true);
    const again = await host.next();
    expect([adbCommandName(again.command), again.arg0]).toEqual(['AUTH', AdbAuthType.Token]);
    host.send({ command: AdbCommand.Auth, arg0: AdbAuthType.RsaPublicKey, payload: 'QAAAAK... user@host\0' }, true);
    host.send({ command: AdbCommand.Open, arg0: 5, payload: 'shell:id\0' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.pending()).toBe(0);
    expect(host.connection.online).toBe(false);
  });

  it('goes online when the user accepts the prompt', async () => {
    const host = new Host(GALAXY_S20, 'accept');
    await host.connect(ADB_VERSION_SKIP_CHECKSUM, 1024 * 1024);
    host.send({ command: AdbCommand.Auth, arg0: AdbAuthType.RsaPublicKey, payload: 'QAAAAK... user@host\0' }, true);
    const reply = await host.next();
    expect(adbCommandName(reply.command)).toBe('CNXN');
    expect(await host.collect('shell:echo ok')).toBe('ok\n');
  });

  it('drops the connection on a packet with a bad magic', async () => {
    const host = new Host(GALAXY_S20);
    const bytes = encodeAdbPacket({ command: AdbCommand.Connect, arg0: ADB_VERSION_SKIP_CHECKSUM, arg1: 4096, payload: new Uint8Array(0) }, { withChecksum: true });
    bytes[20] = 0;
    host.connection.receive(bytes);
    expect(String(host.dropped)).toMatch(/magic/);
  });
});
