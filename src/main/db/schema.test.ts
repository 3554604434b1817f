import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { EncoreDatabase } from './database';
import { MIGRATIONS } from './migrations';
import { PlayStore } from './plays';
import { DATABASE_COLUMNS, type Database } from './schema';
import { StateStore } from './state';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-schema-'));
  dirs.push(dir);
  return path.join(dir, 'encore.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Tables the migrations created, without SQLite's, kysely's and FTS5's own. */
function userTables(handle: BetterSqlite3.Database): string[] {
  const names = handle.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  const fts = names.filter((n) => handle.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(n)?.toString().includes('fts5'));
  return names.filter((n) => !n.startsWith('sqlite_') && !n.startsWith('kysely_') && !fts.some((f) => n.startsWith(`${f}_`)));
}

type Undeclared = { [T in keyof Database]: Exclude<Exclude<keyof Database[T], 'rowid'>, (typeof DATABASE_COLUMNS)[T][number]> }[keyof Database];

describe('the Database interface', () => {
  it('lists every column of every table in DATABASE_COLUMNS (checked by the type checker)', () => {
    expectTypeOf<Undeclared>().toEqualTypeOf<never>();
  });

  it('names exactly the tables and columns the migrations create', async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    expect(userTables(db.raw)).toEqual(Object.keys(DATABASE_COLUMNS).sort());
    for (const [table, columns] of Object.entries(DATABASE_COLUMNS)) {
      const actual = (db.raw.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
      expect({ table, columns: actual.sort() }).toEqual({ table, columns: [...columns].sort() });
    }
    db.close();
  });
});

describe('migrations', () => {
  it('keep the names databases already record', () => {
    expect(MIGRATIONS.map(([name]) => name)).toEqual(['001-initial', '002-lastfm-rejected', '003-explore']);
  });

  it('open a database the previous release migrated (001 and 002), apply 003 once and keep what it held', async () => {
    const file = tempFile();
    const handle = new BetterSqlite3(file);
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: handle }) });
    const previous = new Migrator({ db: kysely, provider: { getMigrations: async () => Object.fromEntries(MIGRATIONS.slice(0, 2)) } });
    expect((await previous.migrateToLatest()).error).toBeUndefined();
    handle.exec(`INSERT INTO artists (id, name, name_norm) VALUES (1, 'Massive Attack', 'massive attack');
      INSERT INTO tracks (id, artist_id, album_id, title, title_norm, album_norm, match_key, length_s) VALUES (1, 1, NULL, 'Teardrop', 'teardrop', '', 'massive attack\u0001teardrop', 330);
      INSERT INTO plays (track_id, started_at, seconds_listened, zone, created_at, roon_started_at) VALUES (1, 1764000000000, 300, 'Kitchen', 1764000000000, 1764000000000);
      INSERT INTO service_state (service_id, wanted, updated_at) VALUES ('lastfm', 0, 1);
      INSERT INTO app_state (key, value, updated_at) VALUES ('answer', '42', 1);`);
    const before = handle.prepare('SELECT name, timestamp FROM kysely_migration ORDER BY name').all();
    await kysely.destroy();

    const db = new EncoreDatabase({ file });
    await db.open();
    const applied = () => db.raw.prepare('SELECT name, timestamp FROM kysely_migration ORDER BY name').all() as Array<{ name: string; timestamp: string }>;
    expect(applied().slice(0, 2)).toEqual(before);
    expect(applied().map((m) => m.name)).toEqual(MIGRATIONS.map(([name]) => name));
    const plays = new PlayStore(db);
    expect(plays.list(10).map((p) => [p.artist, p.title, p.zone, p.sources])).toEqual([['Massive Attack', 'Teardrop', 'Kitchen', ['roon']]]);
    const state = new StateStore(db);
    expect(state.wantedServices()).toEqual(new Map([['lastfm', false]]));
    expect(state.getValue<number>('answer')).toBe(42);
    // Opened again: nothing runs twice.
    const after = applied();
    await db.reopen();
    expect(applied()).toEqual(after);
    db.close();
  });
});

describe('typed queries', () => {
  it('run synchronously on the open handle and see each other', async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    const state = new StateStore(db, () => 1000);
    state.setWanted('roon', true);
    state.setWanted('roon', false);
    state.setValue('k', { a: 1 });
    state.setValue('k', { a: 2 });
    expect(state.wantedServices()).toEqual(new Map([['roon', false]]));
    expect(state.getValue('k')).toEqual({ a: 2 });
    expect(state.getValue('missing')).toBeNull();
    const ids = [1, 2, 3, 4, 5].map((i) => state.journal({ at: i * 1000, kind: i % 2 ? 'online' : 'offline' }));
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(state.recentJournal(10, ['offline']).map((r) => r.id)).toEqual([4, 2]);
    expect(state.pruneJournal(5000, { days: 1, maxRows: 3 })).toBe(2);
    expect(state.recentJournal(10).map((r) => r.id)).toEqual([5, 4, 3]);
    db.close();
  });
});
