import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EncoreDatabase } from '../../src/main/db/database';
import { ExploreApi } from '../../src/main/db/explore-api';
import { PlayStore, type NewPlay } from '../../src/main/db/plays';

export interface ExploreHarness {
  db: EncoreDatabase;
  plays: PlayStore;
  api: ExploreApi;
  dir: string;
  now: number;
  add(...plays: Array<Partial<NewPlay> & { at: number }>): void;
  close(): void;
}

export const NOW = Date.UTC(2026, 11, 1, 12);

export async function openExplore(): Promise<ExploreHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-explore-'));
  const db = new EncoreDatabase({ file: path.join(dir, 'encore.db') });
  await db.open();
  const plays = new PlayStore(db, () => NOW);
  const api = new ExploreApi(db, () => NOW, path.join(dir, 'exports'));
  return {
    db,
    plays,
    api,
    dir,
    now: NOW,
    add(...list) {
      const result = plays.ingest(
        list.map((p) => ({
          artist: p.artist ?? 'Artist',
          title: p.title ?? 'Song',
          album: p.album === undefined ? 'Album' : p.album,
          lengthSeconds: p.lengthSeconds === undefined ? 200 : p.lengthSeconds,
          startedAt: p.at,
          secondsListened: p.secondsListened === undefined ? 180 : p.secondsListened,
          zone: p.zone === undefined ? 'Living Room' : p.zone,
          source: p.source ?? 'roon',
        })),
      );
      if (result.rejected) throw new Error(result.errors.join('; '));
    },
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
