// The contract of "Explore your history": history with filters, search and
// keyset pagination, charts, the listening clock, entity pages, year in review
// and export. Times on the wire are ISO 8601 instants; periods are half-open
// [from, to). The window computes calendar periods (a week, a month) in the
// user's zone itself and sends their instants; grouping by local day, hour or
// weekday happens in `tz` (an IANA zone, default: the host's zone).
import { z } from 'zod';
import { PlaySourceSchema, PlayViewSchema } from './plays';

const id = z.coerce.number().int().positive();
const instant = z.iso.datetime({ offset: true });
/** An IANA time zone such as "Europe/Berlin"; checked by the handler (unknown zone: 400). */
const timeZone = z.string().trim().min(1).max(64).optional();
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A link target: an artist, album or track by id, with the name to show. */
export const EntityRefSchema = z.object({ id: z.number().int(), name: z.string() });
export type EntityRef = z.infer<typeof EntityRefSchema>;

/** Half-open UTF-16 ranges [start, end) into the shown string. */
export const RangesSchema = z.array(z.tuple([z.number().int(), z.number().int()]));
export type Ranges = z.infer<typeof RangesSchema>;

/** The filters every list and the export share. */
export const PlayFiltersSchema = z.object({
  /** Search as you type: every word must match the start of a word of the artist, title or album (case and diacritics ignored). */
  q: z.string().trim().max(200).optional(),
  /** Inclusive. */
  from: instant.optional(),
  /** Exclusive. */
  to: instant.optional(),
  /** A credited artist (EntityRef id from any list): every play it is credited on, "feat." included. */
  artist: id.optional(),
  album: id.optional(),
  track: id.optional(),
  /** A Roon zone's name, exactly as the lists show it. */
  zone: z.string().max(200).optional(),
  /** Plays that source saw (a play both saw matches either). */
  source: PlaySourceSchema.optional(),
});
export type PlayFilters = z.infer<typeof PlayFiltersSchema>;

export const HistoryQuerySchema = PlayFiltersSchema.extend({
  limit: limit(500, 50),
  /** Older than this instant (kept from the first API); `cursor` is the way to page. */
  before: instant.optional(),
  /** `nextCursor` of the previous page: the next page, stable while new plays arrive. */
  cursor: z
    .string()
    .regex(/^\d{1,16}\.\d{1,16}$/, 'cursor: pass nextCursor of the previous page unchanged')
    .optional(),
});
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

/** A play in a list: the old view plus link ids and, with `q`, where it matched. */
export const HistoryPlaySchema = PlayViewSchema.extend({
  trackId: z.number().int(),
  albumId: z.number().int().nullable(),
  /** Every artist credited on the play ("A / B", "A feat. B", "Title (feat. C)"), in credit order. */
  artists: z.array(EntityRefSchema),
  /** Only with `q`: ranges of `artist`, `title` and `album` that matched a search word. */
  highlight: z
    .object({
      artist: RangesSchema,
      title: RangesSchema,
      album: RangesSchema,
      /** Ids of the `artists` whose own name matched (a guest the artist string does not spell out). */
      credits: z.array(z.number().int()).optional(),
    })
    .optional(),
});
export type HistoryPlay = z.infer<typeof HistoryPlaySchema>;

export const HistoryPageSchema = z.object({
  plays: z.array(HistoryPlaySchema),
  /** Pass as `cursor` for the next (older) page; null: this was the last page. */
  nextCursor: z.string().nullable(),
});
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

export const TOP_KINDS = ['artist', 'album', 'track'] as const;
export const TopKindSchema = z.enum(TOP_KINDS);
export type TopKind = z.infer<typeof TopKindSchema>;

export const TopQuerySchema = z.object({
  kind: TopKindSchema,
  /** Absent: all time (then previousRank is always null). */
  from: instant.optional(),
  /** Absent: now. */
  to: instant.optional(),
  limit: limit(500, 50),
  by: z.enum(['plays', 'time']).default('plays'),
});
export type TopQuery = z.infer<typeof TopQuerySchema>;

export const TopItemSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  plays: z.number().int(),
  /** Time listened: Roon's measured seconds; a play without them (a scrobble) counts its track's length when known. */
  seconds: z.number(),
  /** 1-based; equal values share a rank (1, 2, 2, 4). */
  rank: z.number().int(),
  /** Rank over the period of the same length just before; null: not played then, or all time. */
  previousRank: z.number().int().nullable(),
  /** Albums and tracks: their credited artists (empty for artists). */
  artists: z.array(EntityRefSchema),
});
export type TopItem = z.infer<typeof TopItemSchema>;

export const TopResultSchema = z.object({
  items: z.array(TopItemSchema),
  /** The previous period compared against, or null (all time). */
  previous: z.object({ from: z.string(), to: z.string() }).nullable(),
});
export type TopResult = z.infer<typeof TopResultSchema>;

export const PeriodQuerySchema = z.object({ from: instant.optional(), to: instant.optional(), tz: timeZone });
export type PeriodQuery = z.infer<typeof PeriodQuerySchema>;

export const HeatmapResultSchema = z.object({
  /** All 168 cells, zeros included. weekday: 0 = Monday … 6 = Sunday (ISO order); hour 0–23, local to `tz`. */
  cells: z.array(z.object({ weekday: z.number().int().min(0).max(6), hour: z.number().int().min(0).max(23), plays: z.number().int() })),
  tz: z.string(),
});
export type HeatmapResult = z.infer<typeof HeatmapResultSchema>;

export const BreakdownResultSchema = z.object({
  /** Most played first; zone null: plays without a zone (Last.fm-only scrobbles). */
  zones: z.array(z.object({ zone: z.string().nullable(), plays: z.number().int(), seconds: z.number() })),
  /** Which sources saw each play: only Roon, only Last.fm, or both. */
  sources: z.array(z.object({ source: z.enum(['roon', 'lastfm', 'both']), plays: z.number().int(), seconds: z.number() })),
});
export type BreakdownResult = z.infer<typeof BreakdownResultSchema>;

export const YearQuerySchema = z.object({ year: z.coerce.number().int().min(2000).max(2100), tz: timeZone });
export type YearQuery = z.infer<typeof YearQuerySchema>;

const CountedSchema = z.object({ plays: z.number().int(), seconds: z.number() });

export const YearReviewSchema = z.object({
  year: z.number().int(),
  tz: z.string(),
  totals: z.object({
    plays: z.number().int(),
    seconds: z.number(),
    artists: z.number().int(),
    albums: z.number().int(),
    tracks: z.number().int(),
    /** Local days with at least one play. */
    days: z.number().int(),
  }),
  topArtists: z.array(TopItemSchema),
  topAlbums: z.array(TopItemSchema),
  topTracks: z.array(TopItemSchema),
  /** The local day with most plays (the earliest of equals); null: no plays that year. */
  busiestDay: CountedSchema.extend({ day: z.string() }).nullable(),
  /** Artists whose first play ever falls in that year, most played that year first (at most 50). */
  newArtists: z.array(EntityRefSchema.extend({ firstPlayedAt: z.string(), plays: z.number().int() })),
  newArtistCount: z.number().int(),
  /** Twelve entries, "2026-01" … "2026-12". */
  months: z.array(CountedSchema.extend({ month: z.string() })),
});
export type YearReview = z.infer<typeof YearReviewSchema>;

export const EntityQuerySchema = z.object({
  id,
  /** The timeline's buckets; weeks start on Monday, local to `tz`. */
  bucket: z.enum(['week', 'month']).default('month'),
  tz: timeZone,
});
export type EntityQuery = z.infer<typeof EntityQuerySchema>;

/** Plays per bucket over the entity's whole history, empty buckets included; `start` is the bucket's first local day. */
export const TimelineSchema = z.object({ bucket: z.enum(['week', 'month']), points: z.array(CountedSchema.extend({ start: z.string() })) });
export type Timeline = z.infer<typeof TimelineSchema>;

const CountedRefSchema = EntityRefSchema.extend({ plays: z.number().int(), seconds: z.number() });

const EntitySummary = {
  plays: z.number().int(),
  seconds: z.number(),
  /** ISO instants; null with no plays. */
  firstPlayedAt: z.string().nullable(),
  lastPlayedAt: z.string().nullable(),
  timeline: TimelineSchema,
};

export const ArtistPageSchema = z.object({
  artist: EntityRefSchema,
  ...EntitySummary,
  /** Most played first, at most 50 each. */
  topTracks: z.array(CountedRefSchema.extend({ artists: z.array(EntityRefSchema) })),
  topAlbums: z.array(CountedRefSchema.extend({ artists: z.array(EntityRefSchema) })),
});
export type ArtistPage = z.infer<typeof ArtistPageSchema>;

export const AlbumPageSchema = z.object({
  album: EntityRefSchema.extend({ artist: z.string(), artists: z.array(EntityRefSchema) }),
  ...EntitySummary,
  /** Every track of the album Encore has heard, most played first. */
  tracks: z.array(CountedRefSchema),
});
export type AlbumPage = z.infer<typeof AlbumPageSchema>;

export const TrackPageSchema = z.object({
  track: EntityRefSchema.extend({ artist: z.string(), artists: z.array(EntityRefSchema), album: EntityRefSchema.nullable(), lengthSeconds: z.number().nullable() }),
  ...EntitySummary,
  /** The 20 latest plays of the track. */
  recent: z.array(HistoryPlaySchema),
});
export type TrackPage = z.infer<typeof TrackPageSchema>;

export const CatalogSearchQuerySchema = z.object({ q: z.string().trim().min(1).max(200), limit: limit(50, 8) });
export const CatalogSearchResultSchema = z.object({
  /** Best matches first (most played first among equals). */
  artists: z.array(CountedRefSchema),
  albums: z.array(CountedRefSchema.extend({ artists: z.array(EntityRefSchema) })),
  tracks: z.array(CountedRefSchema.extend({ artists: z.array(EntityRefSchema) })),
});
export type CatalogSearchResult = z.infer<typeof CatalogSearchResultSchema>;

export const EXPORT_FORMATS = ['csv', 'json', 'listenbrainz'] as const;
export const ExportQuerySchema = PlayFiltersSchema.extend({ format: z.enum(EXPORT_FORMATS), tz: timeZone });
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

/**
 * What the call answers where it cannot stream (IPC): the file written into
 * <data dir>/exports. Over HTTP the route streams the file itself instead.
 */
export const ExportResultSchema = z.object({ savedTo: z.string().nullable(), plays: z.number().int().nullable() });
export type ExportResult = z.infer<typeof ExportResultSchema>;
