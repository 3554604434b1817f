import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportQuerySchema, type ExportQuery } from '../../src/shared/explore';
import { exportChunks } from '../../src/main/db/export';
import { DAY, HOUR, NOW, openExplore, type ExploreHarness } from './harness';

let h: ExploreHarness;
beforeEach(async () => (h = await openExplore()));
afterEach(() => h.close());

async function idOf(kind: 'artist' | 'album' | 'track', name: string): Promise<number> {
  const found = await h.api.catalog({ q: name, limit: 10 });
  const list = kind === 'artist' ? found.artists : kind === 'album' ? found.albums : found.tracks;
  const hit = list.find((x) => x.name === name);
  if (!hit) throw new Error(`${kind} ${name} not found in ${JSON.stringify(found)}`);
  return hit.id;
}

describe('entity pages', () => {
  beforeEach(() => {
    h.add(
      { artist: 'Massive Attack', title: 'Teardrop', album: 'Mezzanine', at: Date.UTC(2026, 0, 5, 10) },
      { artist: 'Massive Attack', title: 'Teardrop', album: 'Mezzanine', at: Date.UTC(2026, 0, 6, 10) },
      { artist: 'Massive Attack', title: 'Angel', album: 'Mezzanine', at: Date.UTC(2026, 0, 20, 10) },
      { artist: 'Massive Attack feat. Elizabeth Fraser', title: 'Black Milk', album: 'Mezzanine', at: Date.UTC(2026, 1, 2, 10) },
      { artist: 'Cocteau Twins', title: 'Heaven or Las Vegas', album: 'Heaven or Las Vegas', secondsListened: null, at: Date.UTC(2026, 1, 3, 10) },
      { artist: 'Elizabeth Fraser', title: 'Underwater', album: null, at: Date.UTC(2026, 2, 2, 10) },
    );
  });

  it('an artist: totals, first and last listen, timeline, top tracks and albums, guest credits included', async () => {
    const page = await h.api.artist({ id: await idOf('artist', 'Elizabeth Fraser'), bucket: 'month', tz: 'UTC' });
    expect(page.artist.name).toBe('Elizabeth Fraser');
    expect(page.plays).toBe(2);
    expect(page.firstPlayedAt).toBe(new Date(Date.UTC(2026, 1, 2, 10)).toISOString());
    expect(page.lastPlayedAt).toBe(new Date(Date.UTC(2026, 2, 2, 10)).toISOString());
    expect(page.timeline.points.map((p) => [p.start, p.plays])).toEqual([
      ['2026-02-01', 1],
      ['2026-03-01', 1],
    ]);
    expect(page.topTracks.map((t) => t.name).sort()).toEqual(['Black Milk', 'Underwater']);
    expect(page.topTracks.find((t) => t.name === 'Black Milk')!.artists.map((a) => a.name)).toEqual(['Massive Attack', 'Elizabeth Fraser']);
    // Guests are not what an album is credited to.
    expect(page.topAlbums.map((a) => [a.name, a.artists.map((x) => x.name)])).toEqual([['Mezzanine', ['Massive Attack']]]);

    const massive = await h.api.artist({ id: await idOf('artist', 'Massive Attack'), bucket: 'week', tz: 'UTC' });
    expect(massive.plays).toBe(4);
    expect(massive.seconds).toBe(720);
    expect(massive.topTracks[0]).toMatchObject({ name: 'Teardrop', plays: 2 });
    expect(massive.timeline.points.map((p) => [p.start, p.plays])).toEqual([
      ['2026-01-05', 2],
      ['2026-01-12', 0],
      ['2026-01-19', 1],
      ['2026-01-26', 0],
      ['2026-02-02', 1],
    ]);
  });

  it('an album and a track', async () => {
    const album = await h.api.album({ id: await idOf('album', 'Mezzanine'), bucket: 'month', tz: 'UTC' });
    expect(album.album).toMatchObject({ name: 'Mezzanine', artist: 'Massive Attack' });
    expect(album.plays).toBe(4);
    expect(album.tracks.map((t) => [t.name, t.plays])).toEqual([
      ['Teardrop', 2],
      ['Angel', 1],
      ['Black Milk', 1],
    ]);
    const track = await h.api.track({ id: await idOf('track', 'Heaven or Las Vegas'), bucket: 'month', tz: 'UTC' });
    expect(track.track).toMatchObject({ name: 'Heaven or Las Vegas', artist: 'Cocteau Twins', lengthSeconds: 200 });
    expect(track.track.album!.name).toBe('Heaven or Las Vegas');
    // A scrobble without a measured time counts the track's length.
    expect(track.seconds).toBe(200);
    expect(track.recent.map((p) => p.title)).toEqual(['Heaven or Las Vegas']);
  });

  it('answers 404 for an id that does not exist', async () => {
    await expect(h.api.artist({ id: 9999, bucket: 'month' })).rejects.toMatchObject({ status: 404 });
    await expect(h.api.album({ id: 9999, bucket: 'month' })).rejects.toMatchObject({ status: 404 });
    await expect(h.api.track({ id: 9999, bucket: 'month' })).rejects.toMatchObject({ status: 404 });
  });

  it('the catalog search finds artists by their own name, most played first', async () => {
    // Elizabeth Fraser is a guest on one track ("Massive Attack feat. …", stored under Massive Attack) and plays alone on another.
    const found = await h.api.catalog({ q: 'eli fra', limit: 5 });
    expect(found.artists.map((a) => [a.name, a.plays])).toEqual([['Elizabeth Fraser', 2]]);
    expect((await h.api.catalog({ q: 'heaven', limit: 5 })).albums.map((a) => a.name)).toEqual(['Heaven or Las Vegas']);
    expect((await h.api.catalog({ q: 'tear', limit: 5 })).tracks.map((a) => a.name)).toEqual(['Teardrop']);
  });
});

describe('export', () => {
  const run = async (q: Partial<ExportQuery>, tz = 'Europe/Berlin') => {
    let text = '';
    for await (const chunk of exportChunks(h.api.store, ExportQuerySchema.parse({ format: 'csv', ...q }), tz, NOW, { plays: 0 }, async () => undefined)) text += chunk;
    return text;
  };

  beforeEach(() => {
    h.add(
      { artist: 'Björk', title: 'Jóga, "live"', album: 'Homogenic', zone: 'Kitchen', at: Date.UTC(2026, 6, 1, 20) },
      { artist: 'Low', title: 'Words', album: null, zone: null, source: 'lastfm', secondsListened: null, at: Date.UTC(2026, 6, 2, 9) },
    );
  });

  it('CSV: a header, quoted fields, local time in the zone asked for', async () => {
    const lines = (await run({})).split('\r\n');
    expect(lines[0]).toBe('started_at_utc,local_time,artist,title,album,seconds_listened,zone,sources');
    expect(lines[1]).toBe('2026-07-02T09:00:00.000Z,2026-07-02 11:00:00,Low,Words,,,,lastfm');
    expect(lines[2]).toBe('2026-07-01T20:00:00.000Z,2026-07-01 22:00:00,Björk,"Jóga, ""live""",Homogenic,180,Kitchen,roon');
    expect(lines).toHaveLength(4);
  });

  it('JSON: one document with the filters it was made with', async () => {
    const doc = JSON.parse(await run({ format: 'json', zone: 'Kitchen' })) as { tz: string; filters: unknown; plays: Array<Record<string, unknown>> };
    expect(doc.tz).toBe('Europe/Berlin');
    expect(doc.filters).toEqual({ zone: 'Kitchen' });
    expect(doc.plays).toEqual([
      { id: 1, startedAt: '2026-07-01T20:00:00.000Z', localTime: '2026-07-01 22:00:00', artist: 'Björk', title: 'Jóga, "live"', album: 'Homogenic', secondsListened: 180, zone: 'Kitchen', sources: ['roon'] },
    ]);
    expect(JSON.parse(await run({ format: 'json', q: 'nothing matches' })).plays).toEqual([]);
  });

  it('ListenBrainz: JSON lines with listened_at and track_metadata, release_name only when known', async () => {
    const lines = (await run({ format: 'listenbrainz' })).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { listened_at: Date.UTC(2026, 6, 2, 9) / 1000, track_metadata: { artist_name: 'Low', track_name: 'Words', additional_info: { submission_client: 'Encore', duration_ms: 200_000 } } },
      {
        listened_at: Date.UTC(2026, 6, 1, 20) / 1000,
        track_metadata: { artist_name: 'Björk', track_name: 'Jóga, "live"', release_name: 'Homogenic', additional_info: { submission_client: 'Encore', duration_ms: 200_000, media_player: 'Roon' } },
      },
    ]);
  });

  it('pages through a long history, and writes the file where IPC callers find it', async () => {
    const batch = [];
    for (let i = 0; i < 12_001; i++) batch.push({ artist: `A${i % 50}`, title: `T${i % 400}`, at: NOW - 400 * DAY + i * (HOUR / 2) });
    h.add(...batch);
    const result = await h.api.exportToFile(ExportQuerySchema.parse({ format: 'listenbrainz' }));
    expect(result.plays).toBe(12_003);
    const text = fs.readFileSync(result.savedTo!, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(12_003);
    expect(fs.readdirSync(`${h.dir}/exports`)).toEqual([result.savedTo!.split('/').pop()]);
  });
});
