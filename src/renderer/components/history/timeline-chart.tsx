import type { Timeline } from '../../../shared/explore';
import { axisNumber, bucketLabel, timelineTicks } from '../../lib/chart';
import { plural } from '../../lib/format';
import { BarChart, type Bar } from '../bar-chart';

export function TimelineChart({ timeline, title }: { timeline: Timeline; title: string }) {
  const points = timeline.points;
  const bars: Bar[] = points.map((p) => ({ key: p.start, value: p.plays, tone: 'busy', label: `${bucketLabel(p.start, timeline.bucket)}: ${plural(p.plays, 'play')}` }));
  const busiest = points.reduce((a, b) => (b.plays > a.plays ? b : a), points[0] ?? { start: '', plays: 0, seconds: 0 });
  const summary = points.length
    ? `${plural(points.length, timeline.bucket)} from ${bucketLabel(points[0]!.start, timeline.bucket)}; busiest ${bucketLabel(busiest.start, timeline.bucket)} with ${plural(busiest.plays, 'play')}.`
    : 'No plays yet.';
  return <BarChart testId="timeline" title={title} summary={summary} bars={bars} formatValue={axisNumber} ticks={timelineTicks(points.map((p) => p.start), 8)} />;
}
