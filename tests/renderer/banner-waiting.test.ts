import { describe, expect, it } from 'vitest';
import { selectBanners } from '../../src/renderer/lib/banner';
import { service, snapshot } from '../support/status-fixtures';

describe('the waiting banner', () => {
  it('says what the database waits for and what to do, and goes when it runs again', () => {
    const detail = 'Waiting: the disk is full (SQLITE_FULL). Free some space on the disk holding /data/encore.db; Encore keeps what it records and writes it by itself once there is room.';
    const waiting = snapshot({ overall: 'degraded' }, [service('database', { state: 'waiting', detail }), service('roon'), service('lastfm'), service('scheduler')]);
    const banners = selectBanners(waiting);
    expect(banners.map((b) => b.id)).toEqual(['service-waiting']);
    expect(banners[0]).toMatchObject({ tone: 'warn', text: `Database: ${detail}` });
    expect(selectBanners(snapshot()).map((b) => b.id)).toEqual([]);
  });
});
