import { useEffect, useState } from 'preact/hooks';
import { customPeriod, localDay, PERIOD_LABELS, PERIOD_PRESETS, type Period, type PeriodPreset } from '../../lib/period';
import { Choice } from './choice';

const SHORT: Record<PeriodPreset | 'custom', string> = { week: 'Week', month: 'Month', year: 'Year', all: 'All time', custom: 'Custom' };

/** Week, month, year (each the last 7, 30, 365 days), all time, or a range of days. */
export function PeriodPicker({ period, onChange }: { period: Period; onChange: (period: Period) => void }) {
  const today = localDay(Date.now());
  const [draft, setDraft] = useState(() =>
    period.preset === 'custom' ? { from: period.from, to: period.to } : { from: localDay(Date.now() - 29 * 86_400_000), to: today },
  );
  const [custom, setCustom] = useState(period.preset === 'custom');
  // Back, Forward or a link changed the period: show that one, not the last choice made here.
  const periodKey = period.preset === 'custom' ? `${period.from}/${period.to}` : period.preset;
  useEffect(() => {
    setCustom(period.preset === 'custom');
    if (period.preset === 'custom') setDraft({ from: period.from, to: period.to });
  }, [periodKey]);
  const selected = custom ? 'custom' : period.preset;
  const invalid = custom && customPeriod(draft.from, draft.to) === null;

  const pick = (value: PeriodPreset | 'custom') => {
    if (value === 'custom') {
      setCustom(true);
      const p = customPeriod(draft.from, draft.to);
      if (p) onChange(p);
      return;
    }
    setCustom(false);
    onChange({ preset: value });
  };
  const edit = (field: 'from' | 'to', value: string) => {
    const next = { ...draft, [field]: value };
    setDraft(next);
    const p = customPeriod(next.from, next.to);
    if (p) onChange(p);
  };

  return (
    <div class="period-picker">
      <Choice
        label="Period"
        testId="period"
        options={[...PERIOD_PRESETS, 'custom' as const].map((p) => ({ value: p, label: SHORT[p] }))}
        value={selected}
        onChange={pick}
      />
      {custom && (
        <span class="date-range">
          <label>
            From <input type="date" value={draft.from} max={today} onChange={(e) => edit('from', e.currentTarget.value)} aria-invalid={invalid} />
          </label>
          <label>
            to <input type="date" value={draft.to} max={today} onChange={(e) => edit('to', e.currentTarget.value)} aria-invalid={invalid} />
          </label>
          {invalid && <span class="field-error">The range must start on or before its last day.</span>}
        </span>
      )}
      <span class="visually-hidden" aria-live="polite">
        {custom ? PERIOD_LABELS.custom : PERIOD_LABELS[period.preset]}
      </span>
    </div>
  );
}
