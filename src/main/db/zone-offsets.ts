// A time zone's UTC offset at any instant, fast: charts put up to a million
// plays into local hours and days, and asking the zone rules per play costs
// some microseconds each. The zone's transitions are found once (sampled weekly,
// then bisected to the second) and kept; a lookup is a binary search.
import { IANAZone } from 'luxon';

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (luxon, as the scheduler uses). */
function utcOffsetMs(ms: number, zone: IANAZone): number {
  return zone.offset(ms) * 60_000;
}

const WEEK = 7 * 86_400_000;
/** Transitions are looked for from here to a year after now; outside, the edge offset holds. */
const FIRST = Date.UTC(1999, 11, 1);

export class ZoneOffsets {
  private static readonly cache = new Map<string, ZoneOffsets>();

  /** Instants where the offset changes, and the offset from each on (offsets[0] holds before the first). */
  private readonly at: number[] = [];
  private readonly offsets: number[] = [];

  static of(timeZone: string): ZoneOffsets {
    let z = ZoneOffsets.cache.get(timeZone);
    if (!z) ZoneOffsets.cache.set(timeZone, (z = new ZoneOffsets(timeZone)));
    return z;
  }

  private constructor(readonly timeZone: string) {
    const zone = IANAZone.create(timeZone);
    const last = Date.now() + 366 * 86_400_000;
    let t = FIRST;
    let offset = utcOffsetMs(t, zone);
    this.offsets.push(offset);
    while (t < last) {
      const next = Math.min(t + WEEK, last);
      const o = utcOffsetMs(next, zone);
      if (o !== offset) {
        // Bisect to the second the offset changes.
        let lo = t;
        let hi = next;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (utcOffsetMs(mid, zone) === offset) lo = mid;
          else hi = mid;
        }
        this.at.push(hi);
        this.offsets.push(o);
        offset = o;
      }
      t = next;
    }
  }

  /** How far the zone's wall clock is ahead of UTC at `ms`, in ms. */
  offset(ms: number): number {
    const at = this.at;
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    return this.offsets[lo]!;
  }

  /** The next instant after `ms` where the offset changes (Infinity: none known). */
  nextChange(ms: number): number {
    for (const t of this.at) if (t > ms) return t;
    return Number.POSITIVE_INFINITY;
  }

  /** Local wall time of an instant, as if it were UTC (read it with getUTC*). */
  local(ms: number): number {
    return ms + this.offset(ms);
  }

  /** Whether every offset is a whole number of hours (then a UTC hour lies within one local hour). */
  get wholeHours(): boolean {
    return this.offsets.every((o) => o % 3_600_000 === 0);
  }

  /** The UTC instant of a local wall time (given as if UTC); in a gap, the instant just after it. */
  utc(localMs: number): number {
    // Two rounds settle the offset, also across a transition.
    let t = localMs - this.offset(localMs);
    t = localMs - this.offset(t);
    return t;
  }
}
