// How skipped Last.fm entries are named for people: the same words in the
// status detail (main) and in the window (renderer).
import type { LastfmRejectReason, RejectCounts } from './status';

export const REJECT_REASON_TEXT: Record<LastfmRejectReason, string> = {
  'no-date': 'no date',
  'bad-date': 'unreadable date',
  'date-before-2000': 'dated before 2000',
  'date-in-future': 'dated in the future',
  'empty-artist': 'empty artist',
  'empty-title': 'empty name',
  'name-too-long': 'name too long',
  malformed: 'not a track',
};

export function totalRejected(counts: RejectCounts | Record<string, number> | undefined): number {
  let total = 0;
  for (const n of Object.values(counts ?? {})) total += n ?? 0;
  return total;
}

/** "3 entries skipped (2 no date, 1 empty artist)" */
export function describeRejected(counts: RejectCounts | Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n && n > 0)
    .sort((a, b) => b[1]! - a[1]!)
    .map(([reason, n]) => `${n} ${REJECT_REASON_TEXT[reason as LastfmRejectReason] ?? reason}`);
  const total = totalRejected(counts);
  return `${total.toLocaleString('en')} ${total === 1 ? 'entry' : 'entries'} skipped (${parts.join(', ')})`;
}
