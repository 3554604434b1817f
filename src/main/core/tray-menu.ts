// The tray as data: which icon, which tooltip, which menu rows, built from one
// status snapshot. Pure, so every label is tested here; the Electron adapter
// only maps these items to MenuItemConstructorOptions and action ids to calls.
import type { JobStatus, OverallState, ServiceStatus, StatusSnapshot } from '../../shared/status';

export type TrayAction =
  | 'restart-roon'
  | 'restart-lastfm'
  | 'restart-scheduler'
  | 'restore-all'
  | 'pause-tracking'
  | 'resume-tracking'
  | 'open-window'
  | 'simulate-sleep-wake'
  | 'open-logs'
  | 'toggle-login-item'
  | 'quit';

export type TrayMenuItem =
  /** A disabled row that only informs. */
  | { kind: 'status'; id: string; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; action: TrayAction; label: string; checked: boolean; enabled: boolean }
  | { kind: 'submenu'; label: string; items: TrayMenuItem[] };

export interface TrayModel {
  icon: OverallState;
  tooltip: string;
  items: TrayMenuItem[];
}

export interface TrayModelOptions {
  /** IANA zone the times are shown in (the user's own, or a fixed one in tests). */
  timeZone: string;
  /** Wall clock now (UTC ms): decides whether a time needs its weekday. */
  now: number;
  /** Whether the app starts at login; null where the OS offers no login item. */
  openAtLogin: boolean | null;
}

/** Windows truncates tray tooltips at 127 characters; cut them ourselves, with an ellipsis. */
export const TOOLTIP_MAX = 127;

export function buildTrayModel(snapshot: StatusSnapshot, options: TrayModelOptions): TrayModel {
  const byId = new Map(snapshot.services.map((s) => [s.id, s]));
  const restartable = (id: 'roon' | 'lastfm' | 'scheduler') => {
    const s = byId.get(id);
    return !!s && s.state !== 'not-configured' && s.state !== 'disabled' && !snapshot.sleeping;
  };
  const items: TrayMenuItem[] = [
    ...snapshot.services.map((s): TrayMenuItem => ({ kind: 'status', id: `status-${s.id}`, label: serviceRow(s, snapshot, options) })),
    { kind: 'separator' },
    { kind: 'action', action: 'restart-roon', label: 'Restart Roon tracker', enabled: restartable('roon') },
    { kind: 'action', action: 'restart-lastfm', label: 'Restart Last.fm tracker', enabled: restartable('lastfm') },
    { kind: 'action', action: 'restart-scheduler', label: 'Restart scheduler', enabled: restartable('scheduler') },
    { kind: 'action', action: 'restore-all', label: 'Restore all now', enabled: !snapshot.sleeping },
    snapshot.trackingPaused
      ? { kind: 'action', action: 'resume-tracking', label: 'Resume tracking', enabled: true }
      : { kind: 'action', action: 'pause-tracking', label: 'Pause tracking', enabled: true },
    { kind: 'separator' },
    { kind: 'action', action: 'open-window', label: 'Open Encore', enabled: true },
    {
      kind: 'submenu',
      label: 'Troubleshooting',
      items: [
        { kind: 'action', action: 'simulate-sleep-wake', label: 'Simulate sleep and wake', enabled: !snapshot.sleeping },
        { kind: 'action', action: 'open-logs', label: 'Open logs folder', enabled: true },
      ],
    },
    {
      kind: 'checkbox',
      action: 'toggle-login-item',
      label: 'Start at login',
      checked: options.openAtLogin === true,
      enabled: options.openAtLogin !== null,
    },
    { kind: 'separator' },
    { kind: 'action', action: 'quit', label: 'Quit', enabled: true },
  ];
  return { icon: snapshot.overall, tooltip: tooltip(snapshot), items };
}

function tooltip(snapshot: StatusSnapshot): string {
  const line = `Encore: ${oneLine(snapshot.summary) || 'starting'}`;
  return line.length <= TOOLTIP_MAX ? line : `${line.slice(0, TOOLTIP_MAX - 1)}…`;
}

/** "Roon: Reconnecting… (attempt 3)", "Last.fm: OK · 12:03", "Scheduler: next backup 03:00". */
function serviceRow(s: ServiceStatus, snapshot: Pick<StatusSnapshot, 'sleeping'>, options: TrayModelOptions): string {
  return `${s.label}: ${serviceState(s, snapshot, options)}`;
}

function serviceState(s: ServiceStatus, snapshot: Pick<StatusSnapshot, 'sleeping'>, options: TrayModelOptions): string {
  switch (s.state) {
    case 'running': {
      if (s.id === 'scheduler') {
        const next = nextJob(s.jobs ?? []);
        if (next) return `next ${jobNoun(next)} ${formatTime(next.nextRunAt!, options)}`;
      }
      return s.lastSuccessAt ? `OK · ${formatTime(s.lastSuccessAt, options)}` : 'OK';
    }
    case 'reconnecting':
      return s.attempt > 0 ? `Reconnecting… (attempt ${s.attempt})` : 'Reconnecting…';
    case 'starting':
      return 'Starting…';
    case 'waiting-authorisation':
      return 'Waiting for authorisation';
    case 'waiting':
      return truncate(oneLine(s.detail), 60);
    case 'paused':
      return snapshot.sleeping ? 'Paused for sleep' : 'Paused';
    case 'error':
      return s.lastError ? `Error · ${truncate(oneLine(s.lastError), 60)}` : 'Error';
    case 'stopped':
      return 'Stopped';
    case 'disabled':
      return 'Off';
    case 'not-configured':
      return 'Not set up';
  }
}

const JOB_NOUNS: Record<string, string> = {
  'db-backup': 'backup',
  'db-maintenance': 'maintenance',
  'daily-export': 'export',
  'lastfm-sync': 'Last.fm sync',
};

function jobNoun(job: JobStatus): string {
  return JOB_NOUNS[job.id] ?? job.label;
}

/**
 * The backup is the job a person cares to see ("next backup 03:00"); the
 * quarter-hourly Last.fm sync would always win a plain "soonest" contest.
 */
function nextJob(jobs: JobStatus[]): JobStatus | null {
  const armed = jobs.filter((j) => j.armed && j.nextRunAt && Number.isFinite(Date.parse(j.nextRunAt)));
  const backup = armed.find((j) => j.id === 'db-backup');
  if (backup) return backup;
  return armed.sort((a, b) => Date.parse(a.nextRunAt!) - Date.parse(b.nextRunAt!))[0] ?? null;
}

/**
 * "12:03" within a day of now (a tray row needs no "tomorrow" for the 03:00
 * backup), "Sun 03:00" within a week, "12 Jan 03:00" beyond; in the given zone.
 */
export function formatTime(iso: string, options: Pick<TrayModelOptions, 'timeZone' | 'now'>): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '?';
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (Math.abs(at - options.now) < 86_400_000) return time;
  if (Math.abs(at - options.now) < 6 * 86_400_000) {
    return `${new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone, weekday: 'short' }).format(at)} ${time}`;
  }
  return `${new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone, day: 'numeric', month: 'short' }).format(at)} ${time}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
