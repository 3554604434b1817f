import type { ComponentChildren } from 'preact';
import type { EntityRef, Ranges } from '../../../shared/explore';
import { segments, type TextRange } from '../../lib/highlight';
import { formatRoute, routes, type Route } from '../../lib/route';

export function Link({ to, children, class: className, label }: { to: Route; children: ComponentChildren; class?: string; label?: string }) {
  return (
    <a href={formatRoute(to)} class={className} aria-label={label}>
      {children}
    </a>
  );
}

/** `text` with the ranges a search matched in <mark>. */
export function Highlighted({ text, ranges }: { text: string; ranges?: Ranges | readonly TextRange[] | undefined }) {
  if (!ranges || ranges.length === 0) return <>{text}</>;
  const list: TextRange[] = ranges.map((r) => (Array.isArray(r) ? { start: r[0], end: r[1] } : (r as TextRange)));
  return (
    <>
      {segments(text, list).map((s, i) => (s.mark ? <mark key={i}>{s.text}</mark> : s.text))}
    </>
  );
}

/**
 * Each credited artist as a link. `display` is the name as written on the
 * play ("Miles Davis feat. John Coltrane"); when every credit can be found in
 * it the links are placed inside that text, so the credit reads as written.
 */
export function ArtistLinks({ artists, display, ranges }: { artists: readonly EntityRef[]; display?: string; ranges?: Ranges | undefined }) {
  if (artists.length === 0) return display ? <Highlighted text={display} ranges={ranges} /> : null;
  if (display) {
    const parts: ComponentChildren[] = [];
    let at = 0;
    const lower = display.toLowerCase();
    for (const a of artists) {
      const i = lower.indexOf(a.name.toLowerCase(), at);
      if (i < 0) return <Joined artists={artists} />;
      if (i > at) parts.push(<Highlighted key={`t${i}`} text={display.slice(at, i)} ranges={shift(ranges, at, i)} />);
      parts.push(
        <Link key={a.id} to={routes.artist(a.id)}>
          <Highlighted text={display.slice(i, i + a.name.length)} ranges={shift(ranges, i, i + a.name.length)} />
        </Link>,
      );
      at = i + a.name.length;
    }
    if (at < display.length) parts.push(<Highlighted key="rest" text={display.slice(at)} ranges={shift(ranges, at, display.length)} />);
    return <>{parts}</>;
  }
  return <Joined artists={artists} />;
}

function Joined({ artists }: { artists: readonly EntityRef[] }) {
  return (
    <>
      {artists.map((a, i) => (
        <span key={a.id}>
          {i > 0 && ', '}
          <Link to={routes.artist(a.id)}>{a.name}</Link>
        </span>
      ))}
    </>
  );
}

/** The part of `ranges` inside [start, end), moved to start at 0. */
function shift(ranges: Ranges | undefined, start: number, end: number): TextRange[] | undefined {
  if (!ranges) return undefined;
  return ranges.filter(([a, b]) => b > start && a < end).map(([a, b]) => ({ start: Math.max(a, start) - start, end: Math.min(b, end) - start }));
}
