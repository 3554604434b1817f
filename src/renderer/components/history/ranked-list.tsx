import type { ComponentChildren } from 'preact';
import { rankChange } from '../../lib/chart';

export interface RankedRow {
  key: string;
  rank?: number;
  /** undefined: no comparison shown; null: new this period. */
  previousRank?: number | null;
  name: ComponentChildren;
  detail?: ComponentChildren;
  value: number;
  valueText: string;
}

/**
 * A ranked list with a bar per row. A list rather than one chart image, so
 * every name is a link and every figure is text a screen reader reads in order.
 */
export function RankedList({ rows, label, testId, empty = 'Nothing in this period.' }: { rows: RankedRow[]; label: string; testId?: string; empty?: string }) {
  if (rows.length === 0) return <p class="empty">{empty}</p>;
  const max = Math.max(...rows.map((r) => r.value), 0) || 1;
  // A breakdown (no ranks) drops the two rank columns rather than leaving them empty.
  const ranked = rows.some((r) => r.rank !== undefined);
  return (
    <ol class={ranked ? 'ranked' : 'ranked unranked'} aria-label={label} data-testid={testId}>
      {rows.map((r) => {
        const change = r.previousRank === undefined || r.rank === undefined ? null : rankChange(r.rank, r.previousRank);
        return (
          <li key={r.key} class="ranked-row" data-testid="ranked-row">
            {/* Every row of a ranked list has all five cells (some empty) so the columns line up across rows. */}
            {ranked && <span class="ranked-rank">{r.rank}</span>}
            {ranked && (
              <span class={change ? `rank-change rank-${change.direction}` : 'rank-change'} title={change?.label}>
                {change && (
                  <>
                    <span aria-hidden="true">{change.text}</span>
                    <span class="visually-hidden">{change.label}</span>
                  </>
                )}
              </span>
            )}
            <span class="ranked-name">
              <span class="ranked-title">{r.name}</span>
              {r.detail && <span class="track-meta">{r.detail}</span>}
            </span>
            <svg class="ranked-bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">
              <rect width={Math.max(0.5, (r.value / max) * 100)} height="8" rx="1" />
            </svg>
            <span class="ranked-figure">{r.valueText}</span>
          </li>
        );
      })}
    </ol>
  );
}
