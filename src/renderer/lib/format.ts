// Formatting for people: short, stable, and testable without a browser.

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function toMs(value: string | number | Date): number {
  return typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 40 s" for the future. */
export function relativeTime(when: string | number | Date | null | undefined, now: number): string {
  if (when === null || when === undefined) return 'never';
  const t = toMs(when);
  if (Number.isNaN(t)) return 'unknown';
  const diff = now - t;
  const abs = Math.abs(diff);
  if (abs < 5 * SECOND) return 'just now';
  let text: string;
  if (abs < MINUTE) text = `${Math.floor(abs / SECOND)} s`;
  else if (abs < HOUR) text = `${Math.floor(abs / MINUTE)} min`;
  else if (abs < DAY) text = `${Math.floor(abs / HOUR)} h`;
  else text = `${Math.floor(abs / DAY)} d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** "850 ms", "1.2 s", "14 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 0) ms = 0;
  if (ms < SECOND) return `${Math.round(ms)} ms`;
  if (ms < 10 * SECOND) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  if (ms < MINUTE) return `${Math.round(ms / SECOND)} s`;
  if (ms < HOUR) {
    const m = Math.floor(ms / MINUTE);
    const s = Math.round((ms % MINUTE) / SECOND);
    return s === 60 ? `${m + 1} min 00 s` : `${m} min ${String(s).padStart(2, '0')} s`;
  }
  const h = Math.floor(ms / HOUR);
  const m = Math.round((ms % HOUR) / MINUTE);
  return m === 60 ? `${h + 1} h 00 min` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/** A countdown to `when`: "0:07", "2:30", "now" once it has passed, null without a time. */
export function countdown(when: string | null | undefined, now: number): string | null {
  if (!when) return null;
  const t = Date.parse(when);
  if (Number.isNaN(t)) return null;
  const left = Math.ceil((t - now) / SECOND);
  if (left <= 0) return 'now';
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** Local clock time, with the date only when it is not today: "14:03" or "3 Mar, 14:03". */
export function clockTime(when: string | null | undefined, now: number): string {
  if (!when) return '–';
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return '–';
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  if (sameDay) return time;
  return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}, ${time}`;
}

/** Full date and time for tooltips and `<time title>`. */
export function fullDateTime(when: string | null | undefined): string {
  if (!when) return '';
  const d = new Date(when);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

/** "about 3 min left" from seconds; null when unknown. */
export function formatEta(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 5) return 'a few seconds left';
  return `about ${formatDuration(seconds * SECOND)} left`;
}

/** "1 play", "1,234 plays". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** "3:25" for a track position. */
export function trackTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Time listened, from seconds: "45 min", "12 h 05 min", and whole hours past 100 ("341 h"). */
export function listenedTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 100 * 3600) return formatDuration(seconds * 1000);
  return `${Math.round(seconds / 3600).toLocaleString('en')} h`;
}
