// "The disk is full" ends when a write works or when 8 MB are free, not at the
// first megabyte: on a nearly full disk the state must not flip back and forth.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { SPACE_BACK_BYTES, freeBytes } from '../../src/main/core/free-space';
import { EncoreDatabase } from '../../src/main/db/database';
import { PlayStore, type NewPlay } from '../../src/main/db/plays';
import { mountSmallDisk, type SmallDisk } from '../support/tmpfs';

const disk = mountSmallDisk(24);
const skip = typeof disk === 'string' ? disk : null;
if (skip) console.log(`disk-full hysteresis test skipped: ${skip}`);
afterAll(() => {
  if (typeof disk !== 'string') disk.unmount();
});

const play = (i: number): NewPlay => ({
  artist: 'Portishead',
  title: `Track ${i} ${'x'.repeat(200)}`,
  album: 'Dummy',
  lengthSeconds: 300,
  startedAt: Date.UTC(2026, 0, 1) + i * 60_000,
  secondsListened: 280,
  zone: 'Kitchen',
  source: 'roon',
});

describe.skipIf(skip !== null)('a nearly full disk', () => {
  const small = disk as SmallDisk;

  it('stays "full" while a few MB are free, and clears at 8 MB free or when a write works', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 28));
    const db = new EncoreDatabase({ file: path.join(small.dir, 'encore.db'), clock });
    await db.open();
    try {
      const plays = new PlayStore(db, () => clock.now());
      plays.ingest([play(0)]);
      small.fill();
      // A batch too big for what is left: the disk is full.
      expect(() => plays.ingest(Array.from({ length: 20_000 }, (_, i) => play(1 + i)))).toThrow(/full/);
      expect(db.trouble?.kind).toBe('full');

      // 3 MB free: above the old 1 MB bar, below the new one. The probe (every second) leaves it full.
      small.leaveFree(3 * 1024 * 1024);
      expect(freeBytes(small.dir)).toBeGreaterThan(1024 * 1024);
      expect(freeBytes(small.dir)).toBeLessThan(SPACE_BACK_BYTES);
      await clock.advanceAsync(5_000, 500);
      expect(db.trouble?.kind).toBe('full');

      // A write that works is proof enough, whatever is free.
      await plays.ingestWhenWritable([play(50_000)]);
      expect(db.trouble).toBeNull();

      // Full again; then 8 MB free: the probe clears it with nothing written.
      small.fill();
      expect(() => plays.ingest(Array.from({ length: 80_000 }, (_, i) => play(60_000 + i)))).toThrow(/full/);
      expect(db.trouble?.kind).toBe('full');
      small.leaveFree(SPACE_BACK_BYTES + 512 * 1024);
      await clock.advanceAsync(1_500, 500);
      expect(db.trouble).toBeNull();
    } finally {
      db.dispose();
      small.free();
    }
  });
});
