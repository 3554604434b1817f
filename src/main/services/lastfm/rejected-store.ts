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
    const db = this.database;
    const now = this.now();
    db.raw
      .transaction(() => {
        let rows = db.first(db.db.selectFrom('lastfm_rejected').select((eb) => eb.fn.countAll<number>().as('n')))!.n;
        for (const e of entries) {
          // What the entry is, not where it sat on the page: the same entry on another page is the same row.
          const fingerprint = createHash('sha1').update(`${e.reason}\u0000${e.raw}`).digest('hex');
          const bumped = db.run(
            db.db
              .updateTable('lastfm_rejected')
              .set((eb) => ({ last_seen_at: now, times_seen: eb('times_seen', '+', 1) }))
              .where('fingerprint', '=', fingerprint),
          ).changes;
          if (bumped === 0 && rows < this.maxRows) {
            db.run(
              db.db.insertInto('lastfm_rejected').values({
                fingerprint,
                reason: e.reason,
                detail: e.detail,
                artist: e.artist,
                title: e.title,
                album: e.album,
                uts: e.uts,
                raw: e.raw,
                origin,
                first_seen_at: now,
                last_seen_at: now,
              }),
            );
            rows++;
          }
        }
      })
      .immediate();
  }

  list(limit: number): LastfmRejectedList {
    const db = this.database;
    const byReason: RejectCounts = {};
    let total = 0;
    for (const row of db.all(db.db.selectFrom('lastfm_rejected').select((eb) => ['reason', eb.fn.countAll<number>().as('n')]).groupBy('reason'))) {
      byReason[row.reason] = row.n;
      total += row.n;
    }
    const rows = db.all(
      db.db
        .selectFrom('lastfm_rejected')
        .select(['reason', 'detail', 'artist', 'title', 'album', 'uts', 'raw', 'origin', 'first_seen_at', 'last_seen_at', 'times_seen'])
        .orderBy('last_seen_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit),
    );
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
