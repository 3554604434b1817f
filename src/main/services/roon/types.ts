// Shapes of the Roon transport service (com.roonlabs.transport:2), checked at
// the socket boundary. Cores of different versions add fields, so every object
// lets unknown keys through (looseObject); what play detection and the status
// rely on (ids, names, state, the text lines, seek and length) is typed
// strictly, and what they do not use (flags, queue figures, volume, outputs)
// is read leniently. Zones are checked one by one (readZonesSubscribed,
// readZonesChanged): a zone that breaks the strict part is skipped and
// reported, never the message that carries it.
import { z } from 'zod';

export const ROON_ZONE_STATES = ['playing', 'paused', 'loading', 'stopped'] as const;
export const RoonZoneStateSchema = z.enum(ROON_ZONE_STATES);
export type RoonZoneState = z.infer<typeof RoonZoneStateSchema>;

// Real Cores send empty strings for missing lines and sometimes drop line2/line3
// altogether (radio, some streams): optional, never rejected for that alone.
const Line = z.string();

export const RoonNowPlayingSchema = z.looseObject({
  /** Seconds into the track; absent while loading or for some streams. */
  seek_position: z.number().nullable().optional(),
  /** Track length in seconds; absent for live radio. */
  length: z.number().nullable().optional(),
  image_key: z.string().nullable().optional().catch(undefined),
  artist_image_keys: z.array(z.string()).nullable().optional().catch(undefined),
  // The official client and some Cores omit one_line/two_line: three_line or
  // any one of them is enough for the detector, which skips a track without
  // a title and an artist.
  one_line: z.looseObject({ line1: Line }).optional(),
  two_line: z.looseObject({ line1: Line, line2: Line.optional() }).optional(),
  /** line1 title, line2 artist(s), line3 album. */
  three_line: z.looseObject({ line1: Line, line2: Line.optional(), line3: Line.optional() }).optional(),
});
export type RoonNowPlaying = z.infer<typeof RoonNowPlayingSchema>;

export const RoonOutputSchema = z.looseObject({
  output_id: z.string(),
  zone_id: z.string(),
  display_name: z.string(),
  can_group_with_output_ids: z.array(z.string()).optional().catch(undefined),
  volume: z.looseObject({}).nullable().optional().catch(undefined),
  source_controls: z.array(z.looseObject({})).nullable().optional().catch(undefined),
});
type RoonOutput = z.infer<typeof RoonOutputSchema>;

export const RoonZoneSchema = z.looseObject({
  zone_id: z.string(),
  display_name: z.string(),
  // Neither play detection nor the status reads outputs: an odd one is dropped, not the zone.
  outputs: z
    .array(RoonOutputSchema.nullable().catch(null))
    .catch([])
    .transform((outputs) => outputs.filter((o): o is RoonOutput => o !== null)),
  state: RoonZoneStateSchema,
  is_next_allowed: z.boolean().optional().catch(undefined),
  is_previous_allowed: z.boolean().optional().catch(undefined),
  is_pause_allowed: z.boolean().optional().catch(undefined),
  is_play_allowed: z.boolean().optional().catch(undefined),
  is_seek_allowed: z.boolean().optional().catch(undefined),
  queue_items_remaining: z.number().optional().catch(undefined),
  queue_time_remaining: z.number().optional().catch(undefined),
  seek_position: z.number().nullable().optional(),
  settings: z.looseObject({}).optional().catch(undefined),
  now_playing: RoonNowPlayingSchema.nullable().optional(),
});
export type RoonZone = z.infer<typeof RoonZoneSchema>;

/** Built once: making a zod schema costs more than most parses (a removal list is read every message). */
const ZoneIdSchema = z.string();

export const RoonSeekChangeSchema = z.looseObject({
  zone_id: z.string(),
  /** Null or absent when nothing is loaded in the zone. */
  seek_position: z.number().nullable().optional(),
  queue_time_remaining: z.number().optional().catch(undefined),
});
export type RoonSeekChange = z.infer<typeof RoonSeekChangeSchema>;

/** Body of `CONTINUE Changed` on subscribe_zones: any subset of the keys, in one message. */
export const RoonZonesChangedSchema = z.looseObject({
  zones_added: z.array(RoonZoneSchema).optional(),
  zones_changed: z.array(RoonZoneSchema).optional(),
  zones_removed: z.array(z.string()).optional(),
  zones_seek_changed: z.array(RoonSeekChangeSchema).optional(),
});
export type RoonZonesChanged = z.infer<typeof RoonZonesChangedSchema>;

/** Body of `CONTINUE Subscribed` (and of `get_zones`): the full current state. */
export const RoonZonesSubscribedSchema = z.looseObject({
  zones: z.array(RoonZoneSchema),
});

/** A zone (or seek update, or removal) the app could not read, skipped on its own. */
export interface SkippedZone {
  /** The zone's id when the skipped item had a readable one. */
  zoneId: string | null;
  /** Its display name when readable, for the status line. */
  name: string | null;
  /** What was wrong, short enough for a status line. */
  reason: string;
  kind: 'zone' | 'seek' | 'removal' | 'list';
}

function field(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

function short(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function reasonFor(raw: unknown, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unreadable';
  const path = issue.path.join('.');
  if (path === 'state') return `unknown state ${short(field(raw, 'state'))}`;
  if (path === '') return `not a zone (${short(raw)})`;
  return `${path}: ${issue.message}`.slice(0, 120);
}

function skip(raw: unknown, error: z.ZodError, kind: SkippedZone['kind']): SkippedZone {
  const id = field(raw, 'zone_id');
  const name = field(raw, 'display_name');
  return {
    zoneId: typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : null,
    name: typeof name === 'string' && name.length > 0 ? name.slice(0, 80) : null,
    reason: reasonFor(raw, error),
    kind,
  };
}

function readEach<T>(list: unknown, schema: z.ZodType<T>, kind: SkippedZone['kind'], skipped: SkippedZone[], key: string): T[] | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    skipped.push({ zoneId: null, name: null, reason: `${key} is not a list (${short(list)})`, kind: 'list' });
    return undefined;
  }
  const out: T[] = [];
  for (const item of list) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
    else skipped.push(kind === 'removal' ? { zoneId: null, name: null, reason: `a removed zone id that is not a string (${short(item)})`, kind } : skip(item, parsed.error, kind));
  }
  return out;
}

/** `Subscribed` (or get_zones): every readable zone, and what was skipped; null when there is no zone list at all. */
export function readZonesSubscribed(body: unknown): { zones: RoonZone[]; skipped: SkippedZone[] } | null {
  const list = field(body, 'zones');
  if (!Array.isArray(list)) return null;
  const skipped: SkippedZone[] = [];
  return { zones: readEach(list, RoonZoneSchema, 'zone', skipped, 'zones') ?? [], skipped };
}

/** `Changed`: every readable part, and what was skipped; null when the body is not an object. */
export function readZonesChanged(body: unknown): { changed: RoonZonesChanged; skipped: SkippedZone[] } | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const skipped: SkippedZone[] = [];
  const changed: RoonZonesChanged = {};
  const removed = readEach(field(body, 'zones_removed'), ZoneIdSchema, 'removal', skipped, 'zones_removed');
  const added = readEach(field(body, 'zones_added'), RoonZoneSchema, 'zone', skipped, 'zones_added');
  const zones = readEach(field(body, 'zones_changed'), RoonZoneSchema, 'zone', skipped, 'zones_changed');
  const seeks = readEach(field(body, 'zones_seek_changed'), RoonSeekChangeSchema, 'seek', skipped, 'zones_seek_changed');
  if (removed) changed.zones_removed = removed;
  if (added) changed.zones_added = added;
  if (zones) changed.zones_changed = zones;
  if (seeks) changed.zones_seek_changed = seeks;
  return { changed, skipped };
}
