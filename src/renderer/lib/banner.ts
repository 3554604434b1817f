// Which banners the window shows, and when a restore deserves a toast: pure
// functions of the snapshot so they are tested without a browser.
import type { RestoreSummary, StatusSnapshot } from '../../shared/status';
import { formatDuration } from './format';
import type { Tone } from './states';

export type BannerId = 'sleeping' | 'roon-authorisation' | 'roon-reconnecting' | 'tracking-paused' | 'service-error' | 'service-waiting';

export interface Banner {
  id: BannerId;
  tone: Tone;
  text: string;
  /** Secondary line, e.g. the attempt number and the last error. */
  detail?: string;
  /** Shown as a button beside the banner. */
  action?: 'resume-tracking';
}

/** The banners, most important first. */
export function selectBanners(snapshot: StatusSnapshot | null): Banner[] {
  if (!snapshot) return [];
  const banners: Banner[] = [];
  if (snapshot.sleeping) {
    banners.push({ id: 'sleeping', tone: 'muted', text: 'Paused for sleep', detail: 'Encore will restore every service when the computer wakes.' });
  }
  const roon = snapshot.services.find((s) => s.id === 'roon');
  if (roon?.state === 'waiting-authorisation') {
    banners.push({
      id: 'roon-authorisation',
      tone: 'warn',
      text: 'Roon needs authorisation: open Roon → Settings → Extensions and click Enable next to Encore',
    });
  } else if (roon?.state === 'reconnecting' && !snapshot.sleeping) {
    const parts: string[] = [];
    if (roon.attempt > 0) parts.push(`attempt ${roon.attempt}`);
    if (roon.lastError) parts.push(roon.lastError);
    banners.push({ id: 'roon-reconnecting', tone: 'warn', text: 'Reconnecting Roon…', ...(parts.length ? { detail: parts.join(' · ') } : {}) });
  }
  if (snapshot.trackingPaused && !snapshot.sleeping) {
    banners.push({ id: 'tracking-paused', tone: 'muted', text: 'Tracking is paused', detail: 'No plays are recorded until you resume.', action: 'resume-tracking' });
  }
  const failed = snapshot.services.filter((s) => s.state === 'error');
  if (failed.length) {
    banners.push({
      id: 'service-error',
      tone: 'error',
      text: failed.map((s) => `${s.label}: ${s.lastError ?? 'error'}`).join(' · '),
    });
  }
  // Running, but its writes wait (the database locked by another program, a full disk): say why and what to do.
  const waiting = snapshot.services.filter((s) => s.state === 'waiting');
  if (waiting.length && !snapshot.sleeping) {
    banners.push({ id: 'service-waiting', tone: 'warn', text: waiting.map((s) => `${s.label}: ${s.detail}`).join(' · ') });
  }
  return banners;
}

export interface Toast {
  key: string;
  tone: Tone;
  text: string;
}

/**
 * A toast for a restore that has just finished: a new id, or the same run
 * going from running to finished. Nothing on the first snapshot (that run is
 * old news) and nothing for runs superseded by a newer one.
 */
export function restoreToast(previous: RestoreSummary | null | undefined, next: RestoreSummary | null | undefined): Toast | null {
  if (previous === undefined || !next) return null;
  if (next.outcome === 'running' || next.outcome === 'superseded') return null;
  if (previous && previous.id === next.id && previous.outcome !== 'running') return null;
  if (previous && previous.id > next.id) return null;
  const tone: Tone = next.outcome === 'ok' ? 'ok' : next.outcome === 'partial' ? 'warn' : 'error';
  const took = next.durationMs !== null ? ` in ${formatDuration(next.durationMs)}` : '';
  return { key: `restore-${next.id}`, tone, text: `Restore after ${describeReason(next.reason)}${took}: ${next.summary}` };
}

/** "wake", "startup", "Restore all now"… from the journal's reason words. */
export function describeReason(reason: string): string {
  const r = reason.toLowerCase();
  if (r.includes('resume') || r.includes('wake') || r.includes('clock')) return 'wake';
  if (r.includes('restart')) return 'restart';
  if (r.includes('start')) return 'startup';
  if (r.includes('manual') || r.includes('user') || r.includes('all')) return '“Restore all now”';
  return reason;
}
