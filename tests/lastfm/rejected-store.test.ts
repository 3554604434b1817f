import { describe, expect, it } from 'vitest';
import { EncoreDatabase } from '../../src/main/db/database';
import type { RejectedEntry } from '../../src/main/services/lastfm/client';
import { RejectedStore } from '../../src/main/services/lastfm/rejected-store';

const entry = (over: Partial<RejectedEntry>): RejectedEntry => ({
  reason: 'no-date',
  detail: 'has no date and is not playing now',
  index: 0,
  artist: 'Band',
  title: 'Song',
  album: null,
  uts: null,
  raw: '{"name":"Song"}',
  ...over,
});

describe('RejectedStore', () => {
  it('keeps one row per distinct entry, counts how often it was seen, and stops growing at its cap', async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    let now = Date.UTC(2026, 11, 1);
    const store = new RejectedStore(db, () => now, 3);
    store.record([entry({}), entry({ reason: 'date-before-2000', uts: 0, raw: '{"name":"Old","date":{"uts":"0"}}', title: 'Old' })], 'import');
    now += 60_000;
    // The same entry at another position on another page: the same row.
    store.record([entry({ index: 57 })], 'poll');
    expect(store.list(10)).toMatchObject({
      total: 2,
      byReason: { 'no-date': 1, 'date-before-2000': 1 },
      entries: [
        { reason: 'no-date', timesSeen: 2, origin: 'import', lastSeenAt: new Date(now).toISOString() },
        { reason: 'date-before-2000', playedAt: '1970-01-01T00:00:00.000Z', timesSeen: 1 },
      ],
    });
    store.record([1, 2, 3].map((i) => entry({ raw: `{"n":${i}}` })), 'sync');
    expect(store.list(10).total).toBe(3);
    // Past the cap, a known entry is still counted.
    store.record([entry({})], 'poll');
    expect(store.list(10).entries.find((e) => e.raw === '{"name":"Song"}')!.timesSeen).toBe(3);
    // A date beyond what a Date holds is shown as none, not as an error.
    const wide = new RejectedStore(db, () => now);
    wide.record([entry({ reason: 'date-in-future', uts: 9e15, raw: '{"far":1}' })], 'poll');
    expect(wide.list(10).entries.find((e) => e.raw === '{"far":1}')!.playedAt).toBeNull();
    db.close();
  });
});
