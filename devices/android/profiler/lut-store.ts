/**
 * The latency table a profile writes as it goes: after every measured point the whole LUT is
 * written (validated, to a temporary file renamed over the old one), so an unplugged phone or a
 * cancelled job leaves a valid, resumable table. `device.extra.profile` says whether it is complete
 * and with which settings it was measured; a re-run with other settings is refused rather than
 * mixing measurements.
 */
import { readFile, rename } from 'node:fs/promises';

import { StudioError } from '../../../core/shared/errors';
import { LUT_FORMAT, LUT_VERSION } from '../../../core/latency/lut-schema';
import { parseLut, writeLut } from '../../../core/latency/lut-io';
import { compareModelShapes } from '../../../core/latency/model-shape';

import type { Lut, LutBlockType, LutDevice, LutModelShape, LutPoint } from '../../../core/latency/lut-schema';

/** What must be equal for measurements to belong in the same table. */
export interface ProfileSettings {
  deviceId: string;
  threads: number;
  runs: number;
  warmupRuns: number;
  repeats: number;
  cpus: string;
  useGpu: boolean;
}

export interface ProfileStatus {
  status: 'partial' | 'complete';
  settings: ProfileSettings;
  /** Points measured by each run of the profile (resumes add entries). */
  sessions: { startedAt: string; measured: number }[];
}

export function pointKey(blockType: LutBlockType, stage: number, tokens: number): string {
  return `${blockType}@${stage}:${tokens}`;
}

export class LutStore {
  readonly path: string;
  readonly model: LutModelShape;
  readonly settings: ProfileSettings;
  readonly #points = new Map<string, { blockType: LutBlockType; stage: number; point: LutPoint }>();
  readonly #raw: Record<string, string> = {};
  #device: LutDevice | null = null;
  #status: ProfileStatus;
  #createdAt = new Date().toISOString();

  private constructor(path: string, model: LutModelShape, settings: ProfileSettings) {
    this.path = path;
    this.model = model;
    this.settings = settings;
    this.#status = { status: 'partial', settings, sessions: [] };
  }

  /** Opens `path`: an existing table measured with the same settings is resumed. */
  static async open(path: string, model: LutModelShape, settings: ProfileSettings): Promise<LutStore> {
    const store = new LutStore(path, model, settings);
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) store.#resume(parseLut(JSON.parse(text) as unknown, path));
    store.#status.sessions.push({ startedAt: new Date().toISOString(), measured: 0 });
    return store;
  }

  get measuredCount(): number {
    return this.#points.size;
  }

  get resumedCount(): number {
    return this.#status.sessions.slice(0, -1).reduce((sum, session) => sum + session.measured, 0);
  }

  get(blockType: LutBlockType, stage: number, tokens: number): LutPoint | undefined {
    return this.#points.get(pointKey(blockType, stage, tokens))?.point;
  }

  setDevice(device: LutDevice): void {
    this.#device = device;
  }

  /** Extra values kept with the device identity (whole-model check, ...). */
  setExtra(key: string, value: unknown): void {
    if (this.#device === null) return;
    this.#device = { ...this.#device, extra: { ...(this.#device.extra ?? {}), [key]: value } };
  }

  async add(entry: { blockType: LutBlockType; stage: number; point: LutPoint; raw: string; record: unknown }): Promise<void> {
    const key = pointKey(entry.blockType, entry.stage, entry.point.tokens);
    this.#points.set(key, { blockType: entry.blockType, stage: entry.stage, point: entry.point });
    this.#raw[key] = entry.raw;
    this.#raw[`${key}#record`] = JSON.stringify(entry.record);
    const session = this.#status.sessions[this.#status.sessions.length - 1];
    if (session !== undefined) session.measured += 1;
    await this.write();
  }

  async complete(): Promise<Lut> {
    this.#status.status = 'complete';
    return this.write();
  }

  toLut(): Lut | null {
    if (this.#device === null || this.#points.size === 0) return null;
    const tables = new Map<string, { blockType: LutBlockType; stage: number; points: LutPoint[] }>();
    for (const { blockType, stage, point } of this.#points.values()) {
      const key = `${blockType}@${stage}`;
      const table = tables.get(key) ?? { blockType, stage, points: [] };
      table.points.push(point);
      tables.set(key, table);
    }
    for (const table of tables.values()) table.points.sort((a, b) => a.tokens - b.tokens);
    return {
      format: LUT_FORMAT,
      version: LUT_VERSION,
      source: 'device',
      createdAt: this.#createdAt,
      device: { ...this.#device, extra: { ...(this.#device.extra ?? {}), profile: structuredClone(this.#status) } },
      model: this.model,
      tables: [...tables.values()],
      raw: { ...this.#raw },
    };
  }

  async write(): Promise<Lut> {
    const lut = this.toLut();
    if (lut === null) throw new StudioError('internal/bug', 'Nothing measured yet to write.');
    const temporary = `${this.path}.partial`;
    await writeLut(temporary, lut);
    await rename(temporary, this.path);
    return lut;
  }

  #resume(lut: Lut): void {
    const previous = (lut.device.extra?.['profile'] ?? null) as ProfileStatus | null;
    const problems = compareModelShapes(lut.model, this.model);
    if (lut.source !== 'device' || previous === null) problems.unshift('it was not written by a device profile');
    else {
      for (const [key, value] of Object.entries(this.settings)) {
        const old = (previous.settings as unknown as Record<string, unknown>)[key];
        if (old !== value) problems.push(`${key} ${String(old)} vs ${String(value)}`);
      }
    }
    if (problems.length > 0) {
      throw new StudioError('input/invalid', `${this.path} already holds another latency table (${problems.join('; ')}).`, {
        details: { path: this.path, problems },
        hint: 'Write to another --out file, or delete this one to profile from scratch.',
      });
    }
    this.#createdAt = lut.createdAt;
    const { profile: _profile, ...extra } = lut.device.extra ?? {};
    this.#device = { ...lut.device, extra };
    this.#status = { status: 'partial', settings: this.settings, sessions: [...previous!.sessions] };
    for (const table of lut.tables) {
      for (const point of table.points) this.#points.set(pointKey(table.blockType, table.stage, point.tokens), { blockType: table.blockType, stage: table.stage, point });
    }
    Object.assign(this.#raw, lut.raw ?? {});
  }
}
