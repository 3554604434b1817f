// The status snapshot: the one picture of the app that the tray, the window,
// the headless API and the tests all read. Runtime schemas live beside the
// types so that whatever crosses a process or network boundary is checked.
import { z } from 'zod';

export const SERVICE_IDS = ['database', 'roon', 'lastfm', 'scheduler'] as const;
export const ServiceIdSchema = z.enum(SERVICE_IDS);
export type ServiceId = z.infer<typeof ServiceIdSchema>;

export const SERVICE_STATES = [
  'disabled',
  'not-configured',
  'starting',
  'running',
  'reconnecting',
  'waiting-authorisation',
  'paused',
  'error',
  'stopped',
  /** Running, but its work waits on something outside Encore (the database locked by another program, a full disk). */
  'waiting',
] as const;
export const ServiceStateSchema = z.enum(SERVICE_STATES);
export type ServiceState = z.infer<typeof ServiceStateSchema>;

export const ZoneNowPlayingSchema = z.object({
  zoneId: z.string(),
  zoneName: z.string(),
  state: z.enum(['playing', 'paused', 'loading', 'stopped']),
  title: z.string().nullable(),
  artist: z.string().nullable(),
  album: z.string().nullable(),
  seekSeconds: z.number().nullable(),
  lengthSeconds: z.number().nullable(),
});
export type ZoneNowPlaying = z.infer<typeof ZoneNowPlayingSchema>;

export const JobStatusSchema = z.object({
  id: z.string(),
  label: z.string(),
  schedule: z.string(),
  timezone: z.string(),
  missedPolicy: z.enum(['coalesce', 'skip', 'all']),
  armed: z.boolean(),
  running: z.boolean(),
  nextRunAt: z.string().nullable(),
  lastRun: z
    .object({
      scheduledFor: z.string().nullable(),
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
      outcome: z.enum(['running', 'success', 'failed', 'timeout', 'missed', 'skipped']),
      error: z.string().nullable(),
    })
    .nullable(),
  /** What the job waits for before it runs (again) by itself: the database to be writable, room on a disk. */
  waiting: z.string().nullable().optional(),
});
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Why a Last.fm entry was skipped (the rest of its page is stored). */
export const LASTFM_REJECT_REASONS = ['no-date', 'bad-date', 'date-before-2000', 'date-in-future', 'empty-artist', 'empty-title', 'name-too-long', 'malformed'] as const;
export const LastfmRejectReasonSchema = z.enum(LASTFM_REJECT_REASONS);
export type LastfmRejectReason = z.infer<typeof LastfmRejectReasonSchema>;

/** Skipped entries counted by reason (reasons with none are left out). */
export const RejectCountsSchema = z.record(z.string(), z.number().int());
export type RejectCounts = Partial<Record<LastfmRejectReason, number>>;

/** One skipped entry as the window shows it (GET /api/lastfm/rejected). */
export const LastfmRejectedEntrySchema = z.object({
  reason: LastfmRejectReasonSchema,
  detail: z.string(),
  artist: z.string().nullable(),
  title: z.string().nullable(),
  album: z.string().nullable(),
  /** ISO 8601 UTC: the date the entry carried, when it had a readable one. */
  playedAt: z.string().nullable(),
  /** The entry as Last.fm sent it (cut to about 2 KB). */
  raw: z.string(),
  origin: z.enum(['poll', 'sync', 'import']),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  timesSeen: z.number().int(),
});
export type LastfmRejectedEntry = z.infer<typeof LastfmRejectedEntrySchema>;

export const LastfmRejectedListSchema = z.object({
  /** Distinct entries skipped so far, and by reason. */
  total: z.number().int(),
  byReason: RejectCountsSchema,
  /** Newest seen first. */
  entries: z.array(LastfmRejectedEntrySchema),
});
export type LastfmRejectedList = z.infer<typeof LastfmRejectedListSchema>;

export const ImportProgressSchema = z.object({
  state: z.enum(['idle', 'running', 'paused', 'done', 'cancelled', 'failed']),
  page: z.number().int(),
  totalPages: z.number().int().nullable(),
  plays: z.number().int(),
  etaSeconds: z.number().nullable(),
  startedAt: z.string().nullable(),
  error: z.string().nullable(),
  /** Entries of the imported pages that were skipped, by reason (see GET /api/lastfm/rejected). */
  skipped: RejectCountsSchema.optional(),
  /** ISO 8601: when a failed step (a page, a database write) is tried again by itself. */
  nextRetryAt: z.string().nullable().optional(),
});
export type ImportProgress = z.infer<typeof ImportProgressSchema>;

export const ServiceMetricsSchema = z.object({
  restores: z.number().int(),
  successes: z.number().int(),
  timeouts: z.number().int(),
  failures: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  effectiveTimeoutMs: z.number(),
});

export const ServiceStatusSchema = z.object({
  id: ServiceIdSchema,
  label: z.string(),
  state: ServiceStateSchema,
  /** ISO 8601 UTC: when the service entered this state. */
  since: z.string(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable(),
  /** Consecutive failed attempts since the service last ran (0 when running). */
  attempt: z.number().int(),
  nextRetryAt: z.string().nullable(),
  /** One plain sentence for a person: "Connected to Living Room Core, 3 zones". */
  detail: z.string(),
  /** Whether the user wants this service on (service_state). */
  wanted: z.boolean(),
  metrics: ServiceMetricsSchema,
  nowPlaying: z.array(ZoneNowPlayingSchema).optional(),
  jobs: z.array(JobStatusSchema).optional(),
  import: ImportProgressSchema.optional(),
});
export type ServiceStatus = z.infer<typeof ServiceStatusSchema>;

export const RestoreStepSchema = z.object({
  service: ServiceIdSchema,
  outcome: z.enum(['restored', 'reconnecting', 'failed', 'timeout', 'skipped', 'superseded']),
  durationMs: z.number(),
  error: z.string().nullable(),
});
export type RestoreStep = z.infer<typeof RestoreStepSchema>;

export const RestoreSummarySchema = z.object({
  id: z.number().int(),
  reason: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  outcome: z.enum(['running', 'ok', 'partial', 'superseded', 'failed']),
  /** "3 restored, 1 reconnecting" */
  summary: z.string(),
  steps: z.array(RestoreStepSchema),
});
export type RestoreSummary = z.infer<typeof RestoreSummarySchema>;

export const OVERALL_STATES = ['ok', 'degraded', 'error', 'paused'] as const;
export type OverallState = (typeof OVERALL_STATES)[number];

export const StatusSnapshotSchema = z.object({
  version: z.number().int(),
  generatedAt: z.string(),
  overall: z.enum(OVERALL_STATES),
  /** One line for a tooltip or a banner. */
  summary: z.string(),
  sleeping: z.boolean(),
  trackingPaused: z.boolean(),
  services: z.array(ServiceStatusSchema),
  lastRestore: RestoreSummarySchema.nullable(),
});
export type StatusSnapshot = z.infer<typeof StatusSnapshotSchema>;

export const SERVICE_LABELS: Record<ServiceId, string> = {
  database: 'Database',
  roon: 'Roon',
  lastfm: 'Last.fm',
  scheduler: 'Scheduler',
};

/**
 * Where each playing zone is in its track. Seek positions move every second
 * while music plays, so they travel on their own (throttled) instead of as a
 * new snapshot: a snapshot changes only when a track or a state does. The
 * window moves the position on by itself between two of these.
 */
export const ZoneProgressSchema = z.object({ zoneId: z.string(), seekSeconds: z.number().nullable() });
export const NowPlayingProgressSchema = z.object({
  service: ServiceIdSchema,
  /** ISO 8601 UTC: when these positions were read. */
  at: z.string(),
  zones: z.array(ZoneProgressSchema),
});
export type ZoneProgress = z.infer<typeof ZoneProgressSchema>;
export type NowPlayingProgress = z.infer<typeof NowPlayingProgressSchema>;
