// Charts over the history: top artists, albums and tracks with the change of
// rank, the listening clock, the zone and source breakdown and the year in
// review. All time reads the per-track totals (track_stats, 50,000 rows
// rather than a million plays); a period reads its own plays through the
// started_at index. Callers bring the rollups up to date first.
//
// Measured hot paths, so prepared statements (StatementCache) rather than
// typed kysely queries: bench/explore.ts, a million plays, medians of 0.7 ms
// for the all-time top 100 artists, 9.6 ms for a month's with rank change,
// 21.7 ms for the all-time heatmap.
import type { BreakdownResult, HeatmapResult, TopItem, TopKind, TopQuery, TopResult, YearReview } from '../../shared/explore';
import type { ExploreStore } from './explore';
import { PLAY_SECONDS, TRACK_SECONDS } from './explore';
import { ZoneOffsets } from './zone-offsets';

const HOUR = 3_600_000;
const DAY = 86_400_000;

interface Ranked {
  id: number;
  plays: number;
  seconds: number;
}

const ALL_TIME: Record<TopKind, string> = {
  track: `SELECT ts.track_id AS id, ts.plays AS plays, ${TRACK_SECONDS} AS seconds FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.plays > 0`,
  album: 'SELECT album_id AS id, plays, seconds FROM album_stats WHERE plays > 0',
  artist: 'SELECT artist_id AS id, plays, seconds FROM artist_stats WHERE plays > 0',
};

/** A period's plays at its edges (partial UTC days), one row per play and counted id. */
const EDGE_PLAYS: Record<TopKind, string> = {
  track: `SELECT p.track_id AS id, ${PLAY_SECONDS} AS seconds FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.started_at >= ? AND p.started_at < ?`,
  album: `SELECT t.album_id AS id, ${PLAY_SECONDS} AS seconds FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.started_at >= ? AND p.started_at < ? AND t.album_id IS NOT NULL`,
  artist: `SELECT ta.artist_id AS id, ${PLAY_SECONDS} AS seconds FROM plays p CROSS JOIN tracks t ON t.id = p.track_id
           JOIN track_artists ta ON ta.track_id = p.track_id WHERE p.started_at >= ? AND p.started_at < ?`,
};

/**
 * A period's totals per id: its whole UTC days from <kind>_days, the partial
 * days at either end from the plays themselves (exact to the millisecond).
 * A month's top 100 artists with the previous month's ranks: 8.8 ms on a
 * million plays (bench/explore.ts), against some 35 ms reading the month's plays.
 */
function periodSql(kind: TopKind): string {
  return `SELECT id, sum(plays) AS plays, total(seconds) AS seconds FROM (
      SELECT ${kind}_id AS id, plays, seconds FROM ${kind}_days WHERE day >= ? AND day < ?
      UNION ALL SELECT id, 1, seconds FROM (${EDGE_PLAYS[kind]})
      UNION ALL SELECT id, 1, seconds FROM (${EDGE_PLAYS[kind]})
      UNION ALL SELECT id, -1, -seconds FROM (${EDGE_PLAYS[kind]})
      UNION ALL SELECT id, -1, -seconds FROM (${EDGE_PLAYS[kind]})
    ) GROUP BY id HAVING sum(plays) > 0`;
}

/**
 * The parameters of periodSql: whole days, two ranges of plays to add and two
 * to take away. A partial day of more than half a day is read as the whole
 * day less the plays outside the period: a local month's last day (23 hours
 * in Berlin) costs an hour of plays, not 23.
 */
function periodParamsSigned(from: number, to: number): number[] {
  const none = [0, 0];
  const firstDay = Math.ceil(from / DAY);
  const endDay = Math.floor(to / DAY);
  if (firstDay >= endDay) return [0, 0, from, to, ...none, ...none, ...none];
  let startDay = firstDay;
  let stopDay = endDay;
  let addHead = none;
  let subHead = none;
  let addTail = none;
  let subTail = none;
  if (from < firstDay * DAY) {
    if (firstDay * DAY - from > DAY / 2) {
      startDay = firstDay - 1;
      subHead = [startDay * DAY, from];
    } else addHead = [from, firstDay * DAY];
  }
  if (to > endDay * DAY) {
    if (to - endDay * DAY > DAY / 2) {
      stopDay = endDay + 1;
      subTail = [to, stopDay * DAY];
    } else addTail = [endDay * DAY, to];
  }
  return [startDay, stopDay, ...addHead, ...addTail, ...subHead, ...subTail];
}

/** Parameters for a period read as whole days plus its two partial days (breakdown, time listened). */
function periodParams(from: number, to: number): number[] {
  const firstDay = Math.ceil(from / DAY);
  const endDay = Math.floor(to / DAY);
  if (firstDay >= endDay) return [0, 0, from, to, 0, 0];
  return [firstDay, endDay, from, firstDay * DAY, endDay * DAY, to];
}

function rankedSql(kind: TopKind, range: boolean, by: 'plays' | 'time'): string {
  const order = by === 'plays' ? 'plays DESC, seconds DESC' : 'seconds DESC, plays DESC';
  return `SELECT id, plays, seconds FROM (${range ? periodSql(kind) : ALL_TIME[kind]}) ORDER BY ${order}, id`;
}

/** Competition ranks (1, 2, 2, 4) over a list already in rank order. */
function ranks(list: readonly Ranked[], by: 'plays' | 'time'): number[] {
  const out: number[] = [];
  const value = (r: Ranked) => (by === 'plays' ? r.plays : r.seconds);
  list.forEach((r, i) => out.push(i > 0 && value(list[i - 1]!) === value(r) ? out[i - 1]! : i + 1));
  return out;
}

interface YearCounts {
  days: Map<string, { plays: number; seconds: number }>;
  months: Array<{ month: string; plays: number; seconds: number }>;
  plays: number;
  seconds: number;
}

function emptyMonths(year: number): YearCounts['months'] {
  return Array.from({ length: 12 }, (_, i) => ({ month: `${year}-${String(i + 1).padStart(2, '0')}`, plays: 0, seconds: 0 }));
}

export class StatsStore {
  constructor(private readonly explore: ExploreStore) {}

  private get st() {
    return this.explore.st;
  }

  private ranked(kind: TopKind, by: 'plays' | 'time', range: { from: number; to: number } | null, limit?: number): Ranked[] {
    const sql = rankedSql(kind, range !== null, by) + (limit !== undefined ? ' LIMIT ?' : '');
    const params: unknown[] = range ? periodParamsSigned(range.from, range.to) : [];
    if (limit !== undefined) params.push(limit);
    return this.st.get(sql).all(...params) as Ranked[];
  }

  /** Rank of every id over a period (raw rows: the whole list is read, no object per row). */
  private rankOf(kind: TopKind, by: 'plays' | 'time', range: { from: number; to: number }): Map<number, number> {
    // Ranks need the ranked value only: no ORDER BY in SQL, the numbers are sorted here.
    const rows = this.st.get(`SELECT id, ${by === 'plays' ? 'plays' : 'seconds'} FROM (${periodSql(kind)})`).raw().all(...periodParamsSigned(range.from, range.to)) as Array<[number, number]>;
    rows.sort((a, b) => b[1] - a[1]);
    const out = new Map<number, number>();
    let rank = 0;
    rows.forEach((row, i) => {
      if (i === 0 || rows[i - 1]![1] !== row[1]) rank = i + 1;
      out.set(row[0], rank);
    });
    return out;
  }

  top(query: TopQuery, now: number): TopResult {
    return this.topCounted(query, now, false).result;
  }

  /** The top list, and with `count` how many ids the period has in all (read from the same grouping). */
  private topCounted(query: TopQuery, now: number, count: boolean): { result: TopResult; total: number } {
    const to = query.to ? Date.parse(query.to) : null;
    const from = query.from ? Date.parse(query.from) : null;
    // All time up to now: the totals. Anything else: the period's own plays.
    const range = from === null && (to === null || to > now) ? null : { from: from ?? 0, to: to ?? now + 1 };
    // Ranks of the first N need only those N: whatever ranks above an item comes before it.
    let total = 0;
    let cut: Ranked[];
    if (count) {
      const all = this.ranked(query.kind, query.by, range);
      total = all.length;
      cut = all.slice(0, query.limit);
    } else cut = this.ranked(query.kind, query.by, range, query.limit);
    const currentRanks = ranks(cut, query.by);
    let previous: TopResult['previous'] = null;
    let previousRank = new Map<number, number>();
    if (range && from !== null) {
      const length = range.to - range.from;
      const prev = { from: range.from - length, to: range.from };
      previous = { from: new Date(prev.from).toISOString(), to: new Date(prev.to).toISOString() };
      previousRank = this.rankOf(query.kind, query.by, prev);
    }
    const names = this.names(query.kind, cut.map((c) => c.id));
    const items: TopItem[] = cut.map((c, i) => ({
      id: c.id,
      name: names.name.get(c.id) ?? '',
      plays: c.plays,
      seconds: c.seconds,
      rank: currentRanks[i]!,
      previousRank: previousRank.get(c.id) ?? null,
      artists: names.artists.get(c.id) ?? [],
    }));
    return { result: { items, previous }, total };
  }

  private names(kind: TopKind, ids: number[]): { name: Map<number, string>; artists: Map<number, Array<{ id: number; name: string }>> } {
    const table = kind === 'artist' ? 'SELECT id, name FROM credited_artists' : kind === 'album' ? 'SELECT id, title AS name FROM albums' : 'SELECT id, title AS name FROM tracks';
    const rows = this.st.get(`${table} WHERE id IN (SELECT value FROM json_each(?))`).raw().all(JSON.stringify(ids)) as Array<[number, string]>;
    const artists = kind === 'track' ? this.explore.creditsOf(ids) : kind === 'album' ? this.explore.albumCredits(ids) : new Map();
    return { name: new Map(rows), artists };
  }

  /**
   * Plays per local weekday and hour. Whole hours come from the hourly rollup
   * (play_hours); the partial hours at the edges, and every play in a zone
   * whose offset is not whole hours (India, Nepal…), from the plays.
   */
  heatmap(fromMs: number, toMs: number, tz: string): HeatmapResult {
    const zone = ZoneOffsets.of(tz);
    const grid = new Array<number>(7 * 24).fill(0);
    // Arithmetic rather than a Date per row: 1970-01-01 was a Thursday, so (day + 3) % 7 counts from Monday.
    const add = (ms: number, plays: number) => {
      const local = ms + zone.offset(ms);
      const day = Math.floor(local / DAY);
      const hour = Math.floor((local - day * DAY) / HOUR);
      grid[(((day + 3) % 7) + 7) % 7 * 24 + hour]! += plays;
    };
    const plays = this.st.get('SELECT started_at FROM plays WHERE started_at >= ? AND started_at < ?').pluck();
    if (zone.wholeHours) {
      const firstHour = Math.ceil(fromMs / HOUR);
      const endHour = Math.floor(toMs / HOUR);
      if (firstHour < endHour) {
        for (const [hour, n] of this.st.get('SELECT hour, plays FROM play_hours WHERE hour >= ? AND hour < ? AND plays > 0').raw().all(firstHour, endHour) as Array<[number, number]>) {
          add(hour * HOUR, n);
        }
        for (const ms of plays.all(fromMs, firstHour * HOUR) as number[]) add(ms, 1);
        for (const ms of plays.all(endHour * HOUR, toMs) as number[]) add(ms, 1);
      } else {
        for (const ms of plays.all(fromMs, toMs) as number[]) add(ms, 1);
      }
    } else {
      for (const ms of plays.iterate(fromMs, toMs) as Iterable<number>) add(ms, 1);
    }
    const cells: HeatmapResult['cells'] = [];
    for (let weekday = 0; weekday < 7; weekday++) for (let hour = 0; hour < 24; hour++) cells.push({ weekday, hour, plays: grid[weekday * 24 + hour]! });
    return { cells, tz };
  }

  /** Per zone and source: whole UTC days from zone_days, the partial days at the edges from plays. */
  breakdown(fromMs: number, toMs: number): BreakdownResult {
    const edge = `SELECT nullif(coalesce(p.zone, ''), '') AS zone, p.roon_started_at IS NOT NULL AS roon, p.lastfm_started_at IS NOT NULL AS lastfm, 1 AS plays, ${PLAY_SECONDS} AS seconds
      FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.started_at >= ? AND p.started_at < ?`;
    const rows = this.st
      .get(
        `SELECT zone, roon, lastfm, sum(plays), total(seconds) FROM (
           SELECT nullif(zone, '') AS zone, roon, lastfm, plays, seconds FROM zone_days WHERE day >= ? AND day < ?
           UNION ALL ${edge} UNION ALL ${edge}
         ) GROUP BY 1, 2, 3`,
      )
      .raw()
      .all(...periodParams(fromMs, toMs)) as Array<[string | null, number, number, number, number]>;
    const zones = new Map<string | null, { plays: number; seconds: number }>();
    const sources = new Map<'roon' | 'lastfm' | 'both', { plays: number; seconds: number }>();
    for (const [zone, roon, lastfm, plays, seconds] of rows) {
      const z = zones.get(zone) ?? { plays: 0, seconds: 0 };
      z.plays += plays;
      z.seconds += seconds;
      zones.set(zone, z);
      const key = roon && lastfm ? 'both' : roon ? 'roon' : 'lastfm';
      const s = sources.get(key) ?? { plays: 0, seconds: 0 };
      s.plays += plays;
      s.seconds += seconds;
      sources.set(key, s);
    }
    const order = <T extends { plays: number; seconds: number }>(name: (x: T) => string | null) => (a: T, b: T) =>
      b.plays - a.plays || b.seconds - a.seconds || (name(a) ?? '\uffff').localeCompare(name(b) ?? '\uffff');
    return {
      zones: [...zones].map(([zone, v]) => ({ zone, ...v })).sort(order((x) => x.zone)),
      sources: [...sources].map(([source, v]) => ({ source, ...v })).sort(order((x) => x.source)),
    };
  }

  /** Time listened in [from, to): whole UTC days from zone_days, the partial days from the plays. */
  private secondsBetween(from: number, to: number): number {
    const edge = `SELECT ${PLAY_SECONDS} FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.started_at >= ? AND p.started_at < ?`;
    return this.st.get(`SELECT total(s) FROM (SELECT seconds AS s FROM zone_days WHERE day >= ? AND day < ? UNION ALL ${edge} UNION ALL ${edge})`).pluck().get(...periodParams(from, to)) as number;
  }

  /**
   * A year's plays per local day and month from the hourly rollup (a UTC hour
   * lies within one local hour in whole-hour zones), time listened per month
   * from the per-day table. Days carry plays only (seconds: 0); the busiest
   * day's time is asked for on its own.
   */
  private yearByRollups(year: number, from: number, to: number, zone: ZoneOffsets): YearCounts {
    const days = new Map<string, { plays: number; seconds: number }>();
    const months = emptyMonths(year);
    let plays = 0;
    const rows = this.st.get('SELECT hour, plays FROM play_hours WHERE hour >= ? AND hour < ? AND plays > 0').raw().all(Math.floor(from / HOUR), Math.ceil(to / HOUR)) as Array<[number, number]>;
    for (const [hour, n] of rows) {
      const local = new Date(zone.local(hour * HOUR));
      const day = local.toISOString().slice(0, 10);
      const d = days.get(day) ?? { plays: 0, seconds: 0 };
      d.plays += n;
      days.set(day, d);
      months[local.getUTCMonth()]!.plays += n;
      plays += n;
    }
    let seconds = 0;
    months.forEach((m, i) => {
      m.seconds = this.secondsBetween(zone.utc(Date.UTC(year, i, 1)), zone.utc(Date.UTC(year, i + 1, 1)));
      seconds += m.seconds;
    });
    return { days, months, plays, seconds };
  }

  /** The same by reading every play of the year (zones whose offset is not whole hours). */
  private yearByPlays(year: number, from: number, to: number, zone: ZoneOffsets): YearCounts {
    const days = new Map<string, { plays: number; seconds: number }>();
    const months = emptyMonths(year);
    let plays = 0;
    let seconds = 0;
    const rows = this.st
      .get(`SELECT p.started_at, ${PLAY_SECONDS} FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.started_at >= ? AND p.started_at < ?`)
      .raw()
      .iterate(from, to) as Iterable<[number, number]>;
    for (const [ms, s] of rows) {
      const local = new Date(zone.local(ms));
      const day = local.toISOString().slice(0, 10);
      const d = days.get(day) ?? { plays: 0, seconds: 0 };
      d.plays++;
      d.seconds += s;
      days.set(day, d);
      const m = months[local.getUTCMonth()]!;
      m.plays++;
      m.seconds += s;
      plays++;
      seconds += s;
    }
    return { days, months, plays, seconds };
  }

  /**
   * The year in review. Its groupings take a good part of a second on a
   * million plays, so the event loop gets a turn (`pause`) between them.
   */
  async year(year: number, tz: string, now: number, pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve))): Promise<YearReview> {
    const zone = ZoneOffsets.of(tz);
    const from = zone.utc(Date.UTC(year, 0, 1));
    const to = zone.utc(Date.UTC(year + 1, 0, 1));
    const iso = (ms: number) => new Date(ms).toISOString();
    const { days, months, plays, seconds } = zone.wholeHours ? this.yearByRollups(year, from, to, zone) : this.yearByPlays(year, from, to, zone);
    let busiestDay: YearReview['busiestDay'] = null;
    for (const [day, d] of [...days].sort(([a], [b]) => (a < b ? -1 : 1))) if (!busiestDay || d.plays > busiestDay.plays) busiestDay = { day, plays: d.plays, seconds: d.seconds };
    if (busiestDay && zone.wholeHours) {
      const [y, m, d] = busiestDay.day.split('-').map(Number) as [number, number, number];
      busiestDay.seconds = this.secondsBetween(zone.utc(Date.UTC(y, m - 1, d)), zone.utc(Date.UTC(y, m - 1, d + 1)));
    }

    // Top tens, and how many artists, albums and tracks were heard, from one grouping each.
    const lists = {} as Record<TopKind, { result: TopResult; total: number }>;
    for (const kind of ['artist', 'album', 'track'] as const) {
      await pause();
      lists[kind] = this.topCounted({ kind, from: iso(from), to: iso(to), limit: 10, by: 'plays' }, now, true);
    }
    await pause();
    const totals = { plays, seconds, artists: lists.artist.total, albums: lists.album.total, tracks: lists.track.total, days: days.size };
    const top = (kind: TopKind) => lists[kind].result.items;

    // Artists whose first play ever lies in the year.
    const fresh = this.st
      .get(
        `WITH first AS (
           SELECT ta.artist_id AS id, min(ts.first_at) AS first_at FROM track_artists ta JOIN track_stats ts ON ts.track_id = ta.track_id
           WHERE ts.plays > 0 GROUP BY ta.artist_id HAVING first_at >= ? AND first_at < ?),
         year AS (${periodSql('artist')})
         SELECT ca.id, ca.name, f.first_at, coalesce(y.plays, 0) AS plays FROM first f JOIN credited_artists ca ON ca.id = f.id LEFT JOIN year y ON y.id = f.id
         ORDER BY plays DESC, f.first_at, ca.id`,
      )
      .raw()
      .all(from, to, ...periodParamsSigned(from, to)) as Array<[number, string, number, number]>;
    return {
      year,
      tz,
      totals,
      topArtists: top('artist'),
      topAlbums: top('album'),
      topTracks: top('track'),
      busiestDay,
      newArtists: fresh.slice(0, 50).map(([id, name, firstAt, n]) => ({ id, name, firstPlayedAt: iso(firstAt), plays: n })),
      newArtistCount: fresh.length,
      months,
    };
  }
}

