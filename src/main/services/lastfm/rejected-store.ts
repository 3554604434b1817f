// The table of Last.fm entries Encore skipped (migration 002-lastfm-rejected).
// Recording never stops a poll or an import: a write that fails is logged by
// the caller and the page goes on.
import { createHash } from 'node:crypto';
import type { EncoreDatabase } from '../../db/database';
import type { LastfmRejectedEntry, LastfmRejectedList, LastfmRejectReason, RejectCounts } from '../../../shared/status';
import { describeRejected } from '../../../shared/lastfm-rejects';
import type { RejectedEntry } from './client';

export type RejectOrigin = LastfmRejectedEntry['origin'];

/**
 * Distinct entries kept at most; past it new ones are only counted in the
 * status. A history full of placeholders must not grow the database without end.
 */
const MAX_ROWS = 50_000;

export function countByReason(entries: readonly { reason: LastfmRejectReason }[], into: RejectCounts = {}): RejectCounts {
  for (const e of entries) into[e.reason] = (into[e.reason] ?? 0) + 1;
  return into;
}

/** "3 entries skipped (2 no date, 1 empty artist)" */
export const describeCounts = describeRejected;

export class RejectedStore {
  constructor(
    private readonly database: EncoreDatabase,
    private readonly now: () => number,
    private readonly maxRows = MAX_ROWS,
  ) {}

  /** Records a page's skipped entries; the same entry seen again is counted, not stored twice. */
  record(entries: readonly RejectedEntry[], origin: RejectOrigin): void {
    if (!entries.length) return;
    const raw = this.database.raw;
    const now = this.now();
    const bump = raw.prepare('UPDATE lastfm_rejected SET last_seen_at = ?, times_seen = times_seen + 1 WHERE fingerprint = ?');
    const insert = raw.prepare(
      `INSERT INTO lastfm_rejected (fingerprint, reason, detail, artist, title, album, uts, raw, origin, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    raw.transaction(() => {
      let rows = raw.prepare('SELECT count(*) FROM lastfm_rejected').pluck().get() as number;
      for (const e of entries) {
        // What the entry is, not where it sat on the page: the same entry on another page is the same row.
        const fingerprint = createHash('sha1').update(`${e.reason}\u0000${e.raw}`).digest('hex');
        if (bump.run(now, fingerprint).changes === 0 && rows < this.maxRows) {
          insert.run(fingerprint, e.reason, e.detail, e.artist, e.title, e.album, e.uts, e.raw, origin, now, now);
          rows++;
        }
      }
    }).immediate();
  }

  list(limit: number): LastfmRejectedList {
    const raw = this.database.raw;
    const byReason: RejectCounts = {};
    let total = 0;
    for (const row of raw.prepare('SELECT reason, count(*) AS n FROM lastfm_rejected GROUP BY reason').all() as Array<{ reason: LastfmRejectReason; n: number }>) {
      byReason[row.reason] = row.n;
      total += row.n;
    }
    const rows = raw
      .prepare('SELECT reason, detail, artist, title, album, uts, raw, origin, first_seen_at, last_seen_at, times_seen FROM lastfm_rejected ORDER BY last_seen_at DESC, id DESC LIMIT ?')
      .all(limit) as Array<{
      reason: LastfmRejectReason;
      detail: string;
      artist: string | null;
      title: string | null;
      album: string | null;
      uts: number | null;
      raw: string;
      origin: RejectOrigin;
      first_seen_at: number;
      last_seen_at: number;
      times_seen: number;
    }>;
    const iso = (ms: number) => new Date(ms).toISOString();
    // A date too far out for a Date (a placeholder of 9999…) is shown as none.
    const played = (uts: number | null) => (uts === null || !Number.isFinite(new Date(uts * 1000).getTime()) ? null : iso(uts * 1000));
    return {
      total,
      byReason,
      entries: rows.map((r) => ({
        reason: r.reason,
        detail: r.detail,
        artist: r.artist,
        title: r.title,
        album: r.album,
        playedAt: played(r.uts),
        raw: r.raw,
        origin: r.origin,
        firstSeenAt: iso(r.first_seen_at),
        lastSeenAt: iso(r.last_seen_at),
        timesSeen: r.times_seen,
      })),
    };
  }
}
