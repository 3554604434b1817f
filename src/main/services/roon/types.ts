// Shapes of the Roon transport service (com.roonlabs.transport:2), checked at
// the socket boundary. Cores of different versions add fields, so every object
// lets unknown keys through (looseObject); what play detection and the status
// rely on (ids, names, state, the three_line text, seek and length) is required
// or typed strictly, so a frame that breaks those is rejected as a whole rather
// than half-read.
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
  image_key: z.string().nullable().optional(),
  artist_image_keys: z.array(z.string()).nullable().optional(),
  one_line: z.looseObject({ line1: Line }),
  two_line: z.looseObject({ line1: Line, line2: Line.optional() }),
  /** line1 title, line2 artist(s), line3 album. */
  three_line: z.looseObject({ line1: Line, line2: Line.optional(), line3: Line.optional() }),
});
export type RoonNowPlaying = z.infer<typeof RoonNowPlayingSchema>;

export const RoonOutputSchema = z.looseObject({
  output_id: z.string(),
  zone_id: z.string(),
  display_name: z.string(),
  can_group_with_output_ids: z.array(z.string()).optional(),
  volume: z.looseObject({}).nullable().optional(),
  source_controls: z.array(z.looseObject({})).nullable().optional(),
});
export type RoonOutput = z.infer<typeof RoonOutputSchema>;

export const RoonZoneSchema = z.looseObject({
  zone_id: z.string(),
  display_name: z.string(),
  outputs: z.array(RoonOutputSchema),
  state: RoonZoneStateSchema,
  is_next_allowed: z.boolean().optional(),
  is_previous_allowed: z.boolean().optional(),
  is_pause_allowed: z.boolean().optional(),
  is_play_allowed: z.boolean().optional(),
  is_seek_allowed: z.boolean().optional(),
  queue_items_remaining: z.number().optional(),
  queue_time_remaining: z.number().optional(),
  seek_position: z.number().nullable().optional(),
  settings: z.looseObject({}).optional(),
  now_playing: RoonNowPlayingSchema.nullable().optional(),
});
export type RoonZone = z.infer<typeof RoonZoneSchema>;

export const RoonSeekChangeSchema = z.looseObject({
  zone_id: z.string(),
  /** Null or absent when nothing is loaded in the zone. */
  seek_position: z.number().nullable().optional(),
  queue_time_remaining: z.number().optional(),
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
export type RoonZonesSubscribed = z.infer<typeof RoonZonesSubscribedSchema>;
