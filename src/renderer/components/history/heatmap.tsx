import type { HeatmapResult } from '../../../shared/explore';
import { useWidth } from '../../hooks/use-width';
import { heatLevel } from '../../lib/chart';
import { plural } from '../../lib/format';

/** ISO order, as the API sends it: 0 = Monday. */
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const hourLabel = (h: number) => `${String(h).padStart(2, '0')}:00`;

/** Hour × weekday: when you listen. An image for the eye, the same figures as a table for everyone. */
export function Heatmap({ cells, title }: { cells: HeatmapResult['cells']; title: string }) {
  const [ref, width] = useWidth<HTMLElement>(600);
  const grid = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  for (const c of cells) if (grid[c.weekday] && c.hour >= 0 && c.hour < 24) grid[c.weekday]![c.hour] = c.plays;
  const max = Math.max(0, ...grid.flat());
  const total = grid.flat().reduce((a, b) => a + b, 0);
  let peak = { weekday: 0, hour: 0, plays: 0 };
  grid.forEach((row, d) => row.forEach((plays, h) => plays > peak.plays && (peak = { weekday: d, hour: h, plays })));

  const left = 34;
  const top = 16;
  const cell = Math.max(10, Math.min(32, Math.floor((width - left - 2) / 24)));
  const svgW = left + cell * 24 + 2;
  const svgH = top + cell * 7 + 2;
  // Every third hour labelled, every sixth when cells are small, so labels never touch.
  const every = cell < 16 ? 6 : 3;
  const summary = total
    ? `${plural(total, 'play')}; busiest hour ${WEEKDAY_NAMES[peak.weekday]} ${hourLabel(peak.hour)} with ${plural(peak.plays, 'play')}.`
    : 'No plays in this period.';

  return (
    <figure class="chart heatmap" data-testid="heatmap" ref={ref}>
      <svg viewBox={`0 0 ${svgW} ${svgH}`} width={svgW} height={svgH} role="img" aria-label={`${title}. ${summary}`}>
        {Array.from({ length: 24 }, (_, h) =>
          h % every === 0 ? (
            <text key={`h${h}`} class="heat-label" x={left + h * cell} y={top - 5}>
              {String(h).padStart(2, '0')}
            </text>
          ) : null,
        )}
        {grid.map((row, d) => (
          <g key={d}>
            <text class="heat-label" x={left - 6} y={top + d * cell + cell / 2 + 4} text-anchor="end">
              {WEEKDAYS[d]}
            </text>
            {row.map((plays, h) => (
              <rect key={h} class={`heat-cell heat-${heatLevel(plays, max)}`} x={left + h * cell + 1} y={top + d * cell + 1} width={cell - 2} height={cell - 2} rx="2">
                <title>{`${WEEKDAY_NAMES[d]} ${hourLabel(h)}–${hourLabel((h + 1) % 24)}: ${plural(plays, 'play')}`}</title>
              </rect>
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        {title}. {summary}
        <span class="heat-legend" aria-hidden="true">
          Fewer {[0, 1, 2, 3, 4, 5].map((l) => <span key={l} class={`heat-swatch heat-${l}`} />)} More
        </span>
      </figcaption>
      <table class="visually-hidden">
        <caption>{title}: plays per hour and weekday</caption>
        <thead>
          <tr>
            <th scope="col">Hour</th>
            {WEEKDAY_NAMES.map((n) => (
              <th key={n} scope="col">
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: 24 }, (_, h) => (
            <tr key={h}>
              <th scope="row">{hourLabel(h)}</th>
              {grid.map((row, d) => (
                <td key={d}>{row[h]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
