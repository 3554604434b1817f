import { useWidth } from '../hooks/use-width';
import { niceMax } from '../lib/chart';
import type { Tone } from '../lib/states';

export interface Bar {
  key: string;
  value: number;
  /** Read by screen readers and shown on hover. */
  label: string;
  tone?: Tone;
}

/**
 * A plain SVG bar chart. The picture is one labelled image; the numbers are
 * also in a visually hidden table so they can be read, not just seen.
 */
export function BarChart({
  title,
  summary,
  bars,
  formatValue,
  axisLabels,
  ticks,
  testId,
}: {
  title: string;
  summary: string;
  bars: Bar[];
  formatValue: (v: number) => string;
  /** Labels under the first and last bar. */
  axisLabels?: [string, string];
  /** Labels under chosen bars instead (a timeline's years); the caller keeps them far enough apart. */
  ticks?: { index: number; label: string }[];
  testId?: string;
}) {
  const [ref, width] = useWidth<HTMLElement>(600);
  const height = 160;
  const pad = { top: 10, right: 8, bottom: 22, left: 44 };
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const slot = bars.length ? innerW / bars.length : innerW;
  const barW = Math.min(48, Math.max(1, slot * 0.72));
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const titleId = `${testId ?? title}-title`.replace(/\W+/g, '-');

  return (
    <figure class="chart" data-testid={testId} ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`${title}. ${summary}`}</title>
        {[0, max / 2, max].map((v) => (
          <g key={v} class="chart-grid">
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} />
            <text x={pad.left - 6} y={y(v) + 4} text-anchor="end">
              {formatValue(v)}
            </text>
          </g>
        ))}
        {bars.map((b, i) => {
          const h = Math.max(b.value > 0 ? 1.5 : 0, (b.value / max) * innerH);
          return (
            <rect key={b.key} class={`chart-bar tone-fill-${b.tone ?? 'ok'}`} x={pad.left + i * slot + (slot - barW) / 2} y={pad.top + innerH - h} width={barW} height={h}>
              <title>{b.label}</title>
            </rect>
          );
        })}
        {ticks && (
          <g class="chart-axis">
            {ticks.map((t) => {
              // Under the middle of its bar, held inside the chart at both ends.
              const x = pad.left + (t.index + 0.5) * slot;
              const half = t.label.length * 3;
              const anchor = x - half < pad.left ? 'start' : x + half > width - pad.right ? 'end' : 'middle';
              return (
                <text key={t.index} x={anchor === 'start' ? Math.max(pad.left, x - half) : anchor === 'end' ? Math.min(width - pad.right, x + half) : x} y={height - 6} text-anchor={anchor}>
                  {t.label}
                </text>
              );
            })}
          </g>
        )}
        {!ticks && axisLabels && (
          <g class="chart-axis">
            <text x={pad.left} y={height - 6} text-anchor="start">
              {axisLabels[0]}
            </text>
            <text x={width - pad.right} y={height - 6} text-anchor="end">
              {axisLabels[1]}
            </text>
          </g>
        )}
      </svg>
      <figcaption>{title}</figcaption>
      <table class="visually-hidden">
        <caption>{title}</caption>
        <tbody>
          {bars.map((b) => (
            <tr key={b.key}>
              <td>{b.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
