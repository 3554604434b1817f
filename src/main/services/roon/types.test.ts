import { describe, expect, it } from 'vitest';
import { RoonSeekChangeSchema, readZonesChanged } from './types';

// Seek updates (once a second per playing zone) are read entry by entry: a bad
// entry is skipped with a reason, the good ones are kept as the schema reads them.
const seekEntries: unknown[] = [
  { zone_id: 'z1', seek_position: 12, queue_time_remaining: 300 },
  { zone_id: 'z1', seek_position: null },
  { zone_id: 'z1' },
  { zone_id: 'z1', seek_position: 0.5, extra: { nested: true } },
  { zone_id: '', seek_position: 3 },
  { zone_id: 'z1', seek_position: '12' },
  { zone_id: 'z1', seek_position: 12, queue_time_remaining: 'soon' },
  { zone_id: 'z1', seek_position: 12, queue_time_remaining: null },
  { zone_id: 7, seek_position: 12 },
  { seek_position: 12 },
  { zone_id: 'z1', seek_position: true },
  null,
  'z1',
  [{ zone_id: 'z1' }],
  42,
];

describe('readZonesChanged: seek updates', () => {
  it('reads each seek entry exactly as the schema does', () => {
    for (const entry of seekEntries) {
      const read = readZonesChanged({ zones_seek_changed: [entry] })!;
      const schema = RoonSeekChangeSchema.safeParse(entry);
      if (schema.success) {
        expect(read.changed.zones_seek_changed, JSON.stringify(entry)).toEqual([schema.data]);
        expect(read.skipped).toEqual([]);
      } else {
        expect(read.changed.zones_seek_changed, JSON.stringify(entry)).toEqual([]);
        expect(read.skipped).toHaveLength(1);
        expect(read.skipped[0]!.kind).toBe('seek');
      }
    }
  });

  it('keeps the good entries of a list with bad ones, in order', () => {
    const read = readZonesChanged({ zones_seek_changed: [{ zone_id: 'a', seek_position: 1 }, { zone_id: 'b', seek_position: 'x' }, { zone_id: 'c', seek_position: 3 }] })!;
    expect(read.changed.zones_seek_changed!.map((s) => s.zone_id)).toEqual(['a', 'c']);
    expect(read.skipped).toEqual([expect.objectContaining({ zoneId: 'b', kind: 'seek' })]);
  });
});
