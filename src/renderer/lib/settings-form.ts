// The settings form as plain strings (what the inputs hold), and the two
// conversions: from the saved settings, and to the request saveSettings takes.
// Field names are the same dotted paths the main process uses in its errors
// ('roon.host', 'jobs.db-backup.schedule'), so one map serves both.
import { SettingsInputSchema, SettingsSchema, type FieldError, type Settings, type SettingsInput } from '../../shared/api';
import type { MISSED_POLICIES } from '../../shared/config';
import { fieldErrorsOf } from '../../shared/field-errors';

/** The services with a restore timeout in Settings, as the schema lists them. */
export const TIMEOUT_SERVICES = SettingsSchema.shape.restore.shape.timeoutsMs.keyof().options;
export type TimeoutService = (typeof TIMEOUT_SERVICES)[number];
export type MissedPolicy = (typeof MISSED_POLICIES)[number];
/** A label for every policy the schema knows (a new one fails compilation until it has one). */
export const MISSED_POLICY_LABELS: Record<MissedPolicy, string> = {
  coalesce: 'Run once on wake',
  skip: 'Skip missed runs',
  all: 'Run every missed run',
};

export type JobForm = Settings['jobs'][string];

export interface SettingsForm {
  roonMode: 'discovery' | 'manual';
  roonHost: string;
  roonPort: string;
  lastfmUser: string;
  /** A new key; '' leaves the saved one alone. */
  lastfmApiKey: string;
  removeApiKey: boolean;
  apiKeySet: boolean;
  lastfmPollSeconds: string;
  /** Seconds as typed; `auto` true means the adaptive timeout. */
  timeouts: Record<TimeoutService, { auto: boolean; seconds: string }>;
  jobs: Record<string, JobForm>;
  notifications: boolean;
}

export type FieldErrors = Record<string, string>;

export function formFromSettings(s: Settings): SettingsForm {
  const timeouts = {} as SettingsForm['timeouts'];
  for (const id of TIMEOUT_SERVICES) {
    const t = s.restore.timeoutsMs[id];
    timeouts[id] = t === 'auto' ? { auto: true, seconds: '' } : { auto: false, seconds: String(t / 1000) };
  }
  const jobs: Record<string, JobForm> = {};
  for (const [id, job] of Object.entries(s.jobs)) jobs[id] = { ...job };
  return {
    roonMode: s.roon.mode,
    roonHost: s.roon.host ?? '',
    roonPort: s.roon.port === null ? '' : String(s.roon.port),
    lastfmUser: s.lastfm.user ?? '',
    lastfmApiKey: '',
    removeApiKey: false,
    apiKeySet: s.lastfm.apiKeySet,
    lastfmPollSeconds: String(s.lastfm.pollSeconds),
    timeouts,
    jobs,
    notifications: s.notifications.enabled,
  };
}

/** A whole number as typed, or null (empty, a fraction, a word). */
function parseInteger(text: string): number | null {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return null;
  return Number(t);
}

/**
 * The saveSettings request, or the errors that make it pointless to send.
 * The form only turns text into values (a port that is not a number cannot
 * reach the schema); every range, pattern and required field is the main
 * process's own schema (SettingsInputSchema), checked here with its messages
 * before a round trip, and checked there again.
 */
export function formToInput(form: SettingsForm): { input: SettingsInput; errors: FieldErrors } {
  const errors: FieldErrors = {};

  const host = form.roonHost.trim();
  let port: number | null = null;
  if (form.roonPort.trim() !== '') {
    port = parseInteger(form.roonPort);
    if (port === null) errors['roon.port'] = 'a port is a whole number from 1 to 65535';
  }

  const poll = parseInteger(form.lastfmPollSeconds);
  if (poll === null) errors['lastfm.pollSeconds'] = 'a whole number of seconds between polls: 0 (off) to 86400';

  const apiKey = form.lastfmApiKey.trim();

  const timeoutsMs: Partial<Record<TimeoutService, number | 'auto'>> = {};
  for (const id of TIMEOUT_SERVICES) {
    const t = form.timeouts[id];
    if (t.auto) {
      timeoutsMs[id] = 'auto';
      continue;
    }
    const seconds = Number(t.seconds.trim());
    if (t.seconds.trim() === '' || !Number.isFinite(seconds)) errors[`restore.timeoutsMs.${id}`] = 'a timeout is a number of seconds, or auto';
    else timeoutsMs[id] = Math.round(seconds * 1000);
  }

  const jobs: NonNullable<SettingsInput['jobs']> = {};
  for (const [id, job] of Object.entries(form.jobs)) {
    jobs[id] = { schedule: job.schedule.trim(), timezone: job.timezone.trim(), missedPolicy: job.missedPolicy, enabled: job.enabled };
  }

  const lastfm: NonNullable<SettingsInput['lastfm']> = { user: form.lastfmUser.trim() || null, pollSeconds: poll ?? 0 };
  if (form.removeApiKey) lastfm.apiKey = '';
  else if (apiKey) lastfm.apiKey = apiKey;

  const input: SettingsInput = {
    roon: { mode: form.roonMode, host: host || null, port },
    lastfm,
    restore: { timeoutsMs },
    jobs,
    notifications: { enabled: form.notifications },
  };
  // A field the form could not read keeps that message; the schema speaks for the rest.
  const checked = SettingsInputSchema.safeParse(input);
  if (!checked.success) {
    for (const { field, message } of fieldErrorsOf(checked.error)) errors[field] ??= message;
  }
  return { input, errors };
}

/** Server errors by field; errors that name no known field go under ''. */
export function errorsByField(errors: FieldError[], knownFields: ReadonlySet<string>): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const field = knownFields.has(e.field) ? e.field : nearestKnown(e.field, knownFields);
    out[field] = out[field] ? `${out[field]}; ${e.message}` : e.message;
  }
  return out;
}

/** The longest known field that prefixes `field` ('jobs.x.schedule.0' → 'jobs.x.schedule'), else ''. */
function nearestKnown(field: string, known: ReadonlySet<string>): string {
  const parts = field.split('.');
  while (parts.length > 1) {
    parts.pop();
    const prefix = parts.join('.');
    if (known.has(prefix)) return prefix;
  }
  return '';
}

/** The fields the form shows an error beside. */
export function knownFields(form: SettingsForm): Set<string> {
  // Only fields that show their own message; errors about a checkbox or a
  // whole section go to the form's general message instead.
  const fields = ['roon.host', 'roon.port', 'lastfm.user', 'lastfm.apiKey', 'lastfm.pollSeconds'];
  for (const id of TIMEOUT_SERVICES) fields.push(`restore.timeoutsMs.${id}`);
  for (const id of Object.keys(form.jobs)) for (const f of ['schedule', 'timezone', 'missedPolicy']) fields.push(`jobs.${id}.${f}`);
  return new Set(fields);
}
