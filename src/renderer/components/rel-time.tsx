import { fullDateTime, relativeTime } from '../lib/format';

/** "5 min ago", with the exact time on hover and in the markup. */
export function RelTime({ when, now }: { when: string | null | undefined; now: number }) {
  if (!when) return <span>never</span>;
  return (
    <time dateTime={when} title={fullDateTime(when)}>
      {relativeTime(when, now)}
    </time>
  );
}
