// How each state looks: a word, a tone (colour) and an icon, so that no state
// is told by colour alone.
import type { OverallState, RestoreStep, RestoreSummary, ServiceState } from '../../shared/status';

export type Tone = 'ok' | 'busy' | 'warn' | 'error' | 'muted';

export interface StatePresentation {
  label: string;
  tone: Tone;
  /** A text glyph shown beside the label (aria-hidden: the label says it). */
  icon: string;
}

export const SERVICE_STATE_PRESENTATION: Record<ServiceState, StatePresentation> = {
  running: { label: 'Running', tone: 'ok', icon: '✓' },
  starting: { label: 'Starting…', tone: 'busy', icon: '…' },
  reconnecting: { label: 'Reconnecting…', tone: 'warn', icon: '↻' },
  'waiting-authorisation': { label: 'Needs authorisation', tone: 'warn', icon: '!' },
  paused: { label: 'Paused', tone: 'muted', icon: '‖' },
  error: { label: 'Error', tone: 'error', icon: '✕' },
  stopped: { label: 'Stopped', tone: 'muted', icon: '■' },
  disabled: { label: 'Disabled', tone: 'muted', icon: '–' },
  'not-configured': { label: 'Not configured', tone: 'muted', icon: '?' },
  waiting: { label: 'Waiting', tone: 'warn', icon: '⏸' },
};

export const OVERALL_PRESENTATION: Record<OverallState, StatePresentation> = {
  ok: { label: 'All well', tone: 'ok', icon: '✓' },
  degraded: { label: 'Degraded', tone: 'warn', icon: '!' },
  error: { label: 'Error', tone: 'error', icon: '✕' },
  paused: { label: 'Paused', tone: 'muted', icon: '‖' },
};

export const RESTORE_OUTCOME_PRESENTATION: Record<RestoreSummary['outcome'], StatePresentation> = {
  running: { label: 'Running', tone: 'busy', icon: '…' },
  ok: { label: 'Restored', tone: 'ok', icon: '✓' },
  partial: { label: 'Partly restored', tone: 'warn', icon: '!' },
  superseded: { label: 'Superseded', tone: 'muted', icon: '↷' },
  failed: { label: 'Failed', tone: 'error', icon: '✕' },
};

export const STEP_OUTCOME_PRESENTATION: Record<RestoreStep['outcome'], StatePresentation> = {
  restored: { label: 'restored', tone: 'ok', icon: '✓' },
  reconnecting: { label: 'reconnecting', tone: 'warn', icon: '↻' },
  failed: { label: 'failed', tone: 'error', icon: '✕' },
  timeout: { label: 'timed out', tone: 'error', icon: '✕' },
  skipped: { label: 'skipped', tone: 'muted', icon: '–' },
  superseded: { label: 'superseded', tone: 'muted', icon: '↷' },
};

export type JobOutcome = 'running' | 'success' | 'failed' | 'timeout' | 'missed' | 'skipped';
export const JOB_OUTCOME_PRESENTATION: Record<JobOutcome, StatePresentation> = {
  running: { label: 'Running', tone: 'busy', icon: '…' },
  success: { label: 'Succeeded', tone: 'ok', icon: '✓' },
  failed: { label: 'Failed', tone: 'error', icon: '✕' },
  timeout: { label: 'Timed out', tone: 'error', icon: '✕' },
  missed: { label: 'Missed', tone: 'warn', icon: '!' },
  skipped: { label: 'Skipped', tone: 'muted', icon: '–' },
};
