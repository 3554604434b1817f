import { useNow } from '../hooks/use-now';
import { countdown, fullDateTime, relativeTime } from '../lib/format';

/** Seconds count while a time is within two minutes of now; beyond, "5 min ago" moves on slowly. */
function tickFor(when: string | null | undefined, now: number): number | null {
  const t = when ? Date.parse(when) : Number.NaN;
  if (Number.isNaN(t)) return null;
  return Math.abs(t - now) < 120_000 ? 1_000 : 30_000;
}

/** "5 min ago", with the exact time on hover and in the markup; ticks by itself. */
export function RelTime({ when }: { when: string | null | undefined }) {
  useNow(tickFor(when, Date.now()));
  // The clock itself, not the last tick: a new `when` renders before the next tick.
  const now = Date.now();
  if (!when) return <span>never</span>;
  return (
    <time dateTime={when} title={fullDateTime(when)}>
      {relativeTime(when, now)}
    </time>
  );
}

/** "next in 0:42", counting down each second by itself; "next now" once due. */
export function Countdown({ when }: { when: string }) {
  useNow(1_000);
  const left = countdown(when, Date.now());
  return <span>next {left === 'now' || left === null ? 'now' : `in ${left}`}</span>;
}
