// The task-shaped API the window uses. One table describes every call once:
// its IPC channel (desktop), its HTTP route (headless host / browser bridge)
// and the schema of its request. The preload, the IPC handlers, the HTTP
// router and the browser bridge are all generated from this table.
import { z } from 'zod';
import { MISSED_POLICIES, RestoreTimeoutSchema } from './config';
import { describeFieldErrors, FieldErrorSchema, fieldErrorsOf, type FieldError } from './field-errors';
import { PlaysPerDaySchema } from './plays';
import {
  AlbumPageSchema,
  ArtistPageSchema,
  BreakdownResultSchema,
  CatalogSearchQuerySchema,
  CatalogSearchResultSchema,
  EntityQuerySchema,
  ExportQuerySchema,
  ExportResultSchema,
  HeatmapResultSchema,
  HistoryPageSchema,
  HistoryQuerySchema,
  PeriodQuerySchema,
  TopQuerySchema,
  TopResultSchema,
  TrackPageSchema,
  YearQuerySchema,
  YearReviewSchema,
} from './explore';
import { LastfmRejectedListSchema, RestoreSummarySchema, ServiceIdSchema, StatusSnapshotSchema, type NowPlayingProgress } from './status';

const timeout = RestoreTimeoutSchema;

export const SettingsSchema = z.object({
  roon: z.object({
    mode: z.enum(['discovery', 'manual']),
    host: z.string().nullable(),
    port: z.number().int().nullable(),
  }),
  lastfm: z.object({
    user: z.string().nullable(),
    /** The key itself never leaves the main process. */
    apiKeySet: z.boolean(),
    pollSeconds: z.number().int(),
  }),
  restore: z.object({
    timeoutsMs: z.object({ roon: timeout, lastfm: timeout, scheduler: timeout }),
  }),
  jobs: z.record(
    z.string(),
    z.object({ schedule: z.string(), timezone: z.string(), missedPolicy: z.enum(MISSED_POLICIES), enabled: z.boolean() }),
  ),
  notifications: z.object({ enabled: z.boolean() }),
});
export type Settings = z.infer<typeof SettingsSchema>;

const hostname = z
  .string()
  .trim()
  .min(1, 'enter a host name or IP address')
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'use a host name or an IP address (letters, digits, dots, dashes)');

export const SettingsInputSchema = z
  .object({
    roon: z
      .object({
        mode: z.enum(['discovery', 'manual']),
        host: hostname.nullable().optional(),
        port: z.number().int().min(1, 'a port is 1 to 65535').max(65535, 'a port is 1 to 65535').nullable().optional(),
      })
      .superRefine((r, ctx) => {
        if (r.mode !== 'manual') return;
        if (!r.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'enter the host name or IP address of your Roon Core' });
        if (r.port === null || r.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'enter the port of your Roon Core (often 9330)' });
      })
      .optional(),
    lastfm: z
      .object({
        user: z.string().trim().max(64).regex(/^[A-Za-z0-9_.-]*$/, 'a Last.fm user name has letters, digits, _ . and - only').nullable().optional(),
        /** Write-only: a new key, or '' to remove it; absent leaves it unchanged. */
        apiKey: z.string().trim().regex(/^[0-9a-fA-F]{32}$|^$/, 'an API key is 32 hexadecimal characters').optional(),
        pollSeconds: z.number().int('seconds between polls: 0 (off) to 86400').min(0, 'seconds between polls: 0 (off) to 86400').max(86_400, 'seconds between polls: 0 (off) to 86400').optional(),
      })
      .optional(),
    restore: z.object({ timeoutsMs: z.object({ roon: timeout, lastfm: timeout, scheduler: timeout }).partial() }).optional(),
    jobs: z
      .record(
        z.string().regex(/^[a-z0-9-]+$/),
        z.object({ schedule: z.string().trim().min(1, 'enter a cron expression, e.g. 0 3 * * *'), timezone: z.string().trim().min(1, 'enter a time zone, e.g. Europe/London or UTC'), missedPolicy: z.enum(MISSED_POLICIES), enabled: z.boolean() }).partial(),
      )
      .optional(),
    notifications: z.object({ enabled: z.boolean() }).optional(),
  })
  .strict();
export type SettingsInput = z.infer<typeof SettingsInputSchema>;

export { FieldErrorSchema, type FieldError } from './field-errors';
export type SaveSettingsResult = { ok: true; settings: Settings } | { ok: false; errors: FieldError[] };

const empty = z.object({}).strict();
const serviceRef = z.object({ id: ServiceIdSchema }).strict();
const ok = z.object({ ok: z.literal(true) });

/**
 * Every call: channel, HTTP route, request schema, response schema. Path
 * parameters (`:id`) are filled from the request of the same name.
 */
export const API = {
  getStatus: { channel: 'encore:status:get', http: ['GET', '/api/status'], request: empty, response: StatusSnapshotSchema },
  restartService: { channel: 'encore:service:restart', http: ['POST', '/api/services/:id/restart'], request: serviceRef, response: ok },
  startService: { channel: 'encore:service:start', http: ['POST', '/api/services/:id/start'], request: serviceRef, response: ok },
  stopService: { channel: 'encore:service:stop', http: ['POST', '/api/services/:id/stop'], request: serviceRef, response: ok },
  restoreAll: { channel: 'encore:restore:all', http: ['POST', '/api/restore'], request: empty, response: ok },
  pauseTracking: { channel: 'encore:tracking:pause', http: ['POST', '/api/tracking/pause'], request: empty, response: ok },
  resumeTracking: { channel: 'encore:tracking:resume', http: ['POST', '/api/tracking/resume'], request: empty, response: ok },
  simulateSuspend: { channel: 'encore:power:suspend', http: ['POST', '/api/power/suspend'], request: empty, response: ok },
  simulateResume: { channel: 'encore:power:resume', http: ['POST', '/api/power/resume'], request: empty, response: ok },
  getPlays: { channel: 'encore:plays:list', http: ['GET', '/api/plays'], request: HistoryQuerySchema, response: HistoryPageSchema },
  getPlaysPerDay: {
    channel: 'encore:plays:per-day',
    http: ['GET', '/api/plays/per-day'],
    request: z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }),
    response: z.object({ days: PlaysPerDaySchema }),
  },
  getRestores: {
    channel: 'encore:restores:list',
    http: ['GET', '/api/restores'],
    request: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
    response: z.object({ restores: z.array(RestoreSummarySchema) }),
  },
  getSettings: { channel: 'encore:settings:get', http: ['GET', '/api/settings'], request: empty, response: SettingsSchema },
  saveSettings: {
    channel: 'encore:settings:save',
    http: ['PUT', '/api/settings'],
    request: SettingsInputSchema,
    response: z.union([z.object({ ok: z.literal(true), settings: SettingsSchema }), z.object({ ok: z.literal(false), errors: z.array(FieldErrorSchema) })]),
  },
  startImport: { channel: 'encore:import:start', http: ['POST', '/api/lastfm/import'], request: empty, response: ok },
  cancelImport: { channel: 'encore:import:cancel', http: ['DELETE', '/api/lastfm/import'], request: empty, response: ok },
  runJob: { channel: 'encore:job:run', http: ['POST', '/api/jobs/:id/run'], request: z.object({ id: z.string().regex(/^[a-z0-9-]+$/) }).strict(), response: ok },
  getLogTail: {
    channel: 'encore:log:tail',
    http: ['GET', '/api/logs'],
    request: z.object({ lines: z.coerce.number().int().min(1).max(2000).default(200) }),
    response: z.object({ lines: z.array(z.string()), file: z.string().nullable() }),
  },
  getTopItems: { channel: 'encore:stats:top', http: ['GET', '/api/stats/top'], request: TopQuerySchema, response: TopResultSchema },
  getHeatmap: { channel: 'encore:stats:heatmap', http: ['GET', '/api/stats/heatmap'], request: PeriodQuerySchema, response: HeatmapResultSchema },
  getBreakdown: { channel: 'encore:stats:breakdown', http: ['GET', '/api/stats/breakdown'], request: PeriodQuerySchema, response: BreakdownResultSchema },
  getYearReview: { channel: 'encore:stats:year', http: ['GET', '/api/stats/year'], request: YearQuerySchema, response: YearReviewSchema },
  getArtist: { channel: 'encore:artist:get', http: ['GET', '/api/artists/:id'], request: EntityQuerySchema, response: ArtistPageSchema },
  getAlbum: { channel: 'encore:album:get', http: ['GET', '/api/albums/:id'], request: EntityQuerySchema, response: AlbumPageSchema },
  getTrack: { channel: 'encore:track:get', http: ['GET', '/api/tracks/:id'], request: EntityQuerySchema, response: TrackPageSchema },
  searchCatalog: { channel: 'encore:catalog:search', http: ['GET', '/api/search'], request: CatalogSearchQuerySchema, response: CatalogSearchResultSchema },
  /** Over HTTP the route streams the file (`stream`); over IPC it writes it into <data dir>/exports and answers where. */
  exportPlays: { channel: 'encore:plays:export', http: ['GET', '/api/export'], request: ExportQuerySchema, response: ExportResultSchema, stream: true },
  getLastfmRejected: {
    channel: 'encore:lastfm:rejected',
    http: ['GET', '/api/lastfm/rejected'],
    request: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: LastfmRejectedListSchema,
  },
} as const satisfies Record<string, ApiCall>;

export interface ApiCall {
  channel: `encore:${string}`;
  http: readonly ['GET' | 'POST' | 'PUT' | 'DELETE', `/api/${string}`];
  request: z.ZodType;
  response: z.ZodType;
  /** The HTTP route answers with a streamed download (see StreamedResponse) instead of the JSON response. */
  stream?: true;
}

/** What a streaming route sends over HTTP: the body as text chunks, pulled one at a time (flat memory). */
export interface StreamedResponse {
  contentType: string;
  /** The download's file name (Content-Disposition). */
  filename: string;
  chunks: Iterable<string> | AsyncIterable<string>;
}

export type ApiName = keyof typeof API;
export type ApiRequest<K extends ApiName> = z.input<(typeof API)[K]['request']>;
export type ApiResponse<K extends ApiName> = z.infer<(typeof API)[K]['response']>;

/** The window's view of Encore: the preload and the browser bridge both implement it. */
export type EncoreApi = {
  [K in ApiName]: (request: ApiRequest<K>) => Promise<ApiResponse<K>>;
} & {
  /** Every new snapshot; returns its own unsubscribe. */
  onStatus(listener: (snapshot: z.infer<typeof StatusSnapshotSchema>) => void): () => void;
  /** Seek positions of playing zones, a few seconds apart; returns its own unsubscribe. */
  onProgress(listener: (progress: NowPlayingProgress) => void): () => void;
};

/** Pushed from main to the window (not a request). */
export const STATUS_PUSH_CHANNEL = 'encore:status:changed';
/** Seek progress, pushed apart from the snapshot (and the SSE `progress` event of /api/events). */
export const PROGRESS_PUSH_CHANNEL = 'encore:status:progress';

/** The handlers the main process provides: the same table, already validated. */
export type ApiHandlers = {
  [K in ApiName]: (request: z.infer<(typeof API)[K]['request']>) => Promise<ApiResponse<K>> | ApiResponse<K>;
};

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 500 | 503 | 507,
    message: string,
    /** The fields a 400 is about, so the window shows each beside its input. */
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** A request that failed its schema: 400, naming every bad field. */
  static invalid(error: z.ZodError): ApiError {
    const errors = fieldErrorsOf(error);
    return new ApiError(400, describeFieldErrors(errors.map((e) => ({ field: e.field || 'body', message: e.message }))), errors);
  }
}

/**
 * What an IPC handler sends back (main → preload). Errors travel as data, not
 * as a thrown Error: Electron would prefix a thrown message with "Error
 * invoking remote method 'encore:…': Error: …", and a person should read only
 * the last part.
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { status: number; message: string; errors?: FieldError[] } };
