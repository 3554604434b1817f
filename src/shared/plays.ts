import { z } from 'zod';

export const PLAY_SOURCES = ['roon', 'lastfm'] as const;
export const PlaySourceSchema = z.enum(PLAY_SOURCES);
export type PlaySource = z.infer<typeof PlaySourceSchema>;

/** A play as the API and the window see it. */
export const PlayViewSchema = z.object({
  id: z.number().int(),
  /** ISO 8601 UTC, the real start of the listen. */
  startedAt: z.string(),
  artist: z.string(),
  title: z.string(),
  album: z.string().nullable(),
  secondsListened: z.number().nullable(),
  zone: z.string().nullable(),
  sources: z.array(PlaySourceSchema),
});
export type PlayView = z.infer<typeof PlayViewSchema>;

export const PlaysPerDaySchema = z.array(z.object({ day: z.string(), plays: z.number().int() }));
export type PlaysPerDay = z.infer<typeof PlaysPerDaySchema>;
