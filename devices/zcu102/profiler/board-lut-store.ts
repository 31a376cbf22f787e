/**
 * The board's latency table as it is measured: after every point the whole LUT is validated and
 * written (temporary file, then rename), so a lost console or a cancelled job leaves a valid table
 * that the same command resumes. `device.extra.profile` records the settings and whether the table
 * is complete; a re-run with other settings, another board or accelerator is refused rather than
 * mixing measurements.
 */
import { readFile, rename } from 'node:fs/promises';

import { StudioError } from '../../../core/shared/errors';
import { LUT_FORMAT, LUT_VERSION } from '../../../core/latency/lut-schema';
import { parseLut, writeLut } from '../../../core/latency/lut-io';
import { compareModelShapes } from '../../../core/latency/model-shape';

import type { Lut, LutBlockType, LutDevice, LutModelShape, LutPoint } from '../../../core/latency/lut-schema';

export interface BoardProfileSettings {
  deviceId: string;
  boardModel: string;
  acceleratorId: string;
  runs: number;
  warmupRuns: number;
}

interface ProfileRecord {
  status: 'partial' | 'complete';
  settings: BoardProfileSettings;
  sessions: { startedAt: string; measured: number }[];
}

const key = (blockType: LutBlockType, tokens: number): string => `${blockType}@0:${tokens}`;

export class BoardLutStore {
  private readonly points = new Map<string, { blockType: LutBlockType; point: LutPoint }>();
  private readonly raw: Record<string, string> = {};
  private record: ProfileRecord;
  private createdAt = new Date().toISOString();

  private constructor(readonly path: string, readonly model: LutModelShape, private readonly device: LutDevice, readonly settings: BoardProfileSettings) {
    this.record = { status: 'partial', settings, sessions: [] };
  }

  /** Opens `path`, resuming a table measured on the same board with the same settings. */
  static async open(path: string, model: LutModelShape, device: LutDevice, settings: BoardProfileSettings): Promise<BoardLutStore> {
    const store = new BoardLutStore(path, model, device, settings);
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) store.resume(parseLut(JSON.parse(text) as unknown, path));
    store.record.sessions.push({ startedAt: new Date().toISOString(), measured: 0 });
    return store;
  }

  get(blockType: LutBlockType, tokens: number): LutPoint | undefined {
    return this.points.get(key(blockType, tokens))?.point;
  }

  get size(): number {
    return this.points.size;
  }

  async add(blockType: LutBlockType, point: LutPoint, raw: unknown): Promise<void> {
    this.points.set(key(blockType, point.tokens), { blockType, point });
    this.raw[key(blockType, point.tokens)] = JSON.stringify(raw);
    const session = this.record.sessions[this.record.sessions.length - 1];
    if (session !== undefined) session.measured += 1;
    await this.write();
  }

  async complete(): Promise<Lut> {
    this.record.status = 'complete';
    return this.write();
  }

  private toLut(): Lut {
    const tables = new Map<LutBlockType, LutPoint[]>();
    for (const { blockType, point } of this.points.values()) tables.set(blockType, [...(tables.get(blockType) ?? []), point]);
    return {
      format: LUT_FORMAT,
      version: LUT_VERSION,
      source: 'device',
      createdAt: this.createdAt,
      device: { ...this.device, extra: { ...(this.device.extra ?? {}), profile: structuredClone(this.record) } },
      model: this.model,
      tables: [...tables.entries()].map(([blockType, points]) => ({ blockType, stage: 0, points: points.sort((a, b) => a.tokens - b.tokens) })),
      raw: { ...this.raw },
    };
  }

  private async write(): Promise<Lut> {
    if (this.points.size === 0) throw new StudioError('internal/bug', 'Nothing measured yet to write.');
    const lut = this.toLut();
    const temporary = `${this.path}.partial`;
    await writeLut(temporary, lut);
    await rename(temporary, this.path);
    return lut;
  }

  private resume(lut: Lut): void {
    const previous = (lut.device.extra?.['profile'] ?? null) as ProfileRecord | null;
    const problems = compareModelShapes(lut.model, this.model);
    if (lut.source !== 'device' || previous === null || typeof previous.settings !== 'object') {
      problems.unshift('it was not written by a board profile');
    } else {
      for (const [name, value] of Object.entries(this.settings)) {
        const old = (previous.settings as unknown as Record<string, unknown>)[name];
        if (old !== value) problems.push(`${name} ${String(old)} vs ${String(value)}`);
      }
    }
    if (problems.length > 0) {
      throw new StudioError('input/invalid', `${this.path} already holds another latency table (${problems.join('; ')}).`, {
        details: { path: this.path, problems },
        hint: 'Write to another --out file, or delete this one to profile from scratch.',
      });
    }
    this.createdAt = lut.createdAt;
    this.record = { status: 'partial', settings: this.settings, sessions: [...(previous as ProfileRecord).sessions] };
    for (const table of lut.tables) for (const point of table.points) this.points.set(key(table.blockType, point.tokens), { blockType: table.blockType, point });
    Object.assign(this.raw, lut.raw ?? {});
  }
}
