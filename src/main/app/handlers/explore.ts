// Plays and the History area: every read needs the open database.
import type { ApiHandlers } from '../../../shared/api';
import { checkTimeZone } from '../../db/explore';
import { ZoneOffsets } from '../../db/zone-offsets';
import type { HandlerContext } from './context';

type ExploreCalls = 'getPlays' | 'getPlaysPerDay' | 'getTopItems' | 'getHeatmap' | 'getBreakdown' | 'getYearReview' | 'getArtist' | 'getAlbum' | 'getTrack' | 'searchCatalog' | 'exportPlays';

export function exploreHandlers(ctx: HandlerContext): Pick<ApiHandlers, ExploreCalls> {
  const { explore, requireOpen } = ctx;
  return {
    getPlays: async (query) => {
      requireOpen();
      return explore.history(query);
    },
    getPlaysPerDay: ({ days }) => {
      requireOpen();
      // Local days of the host's zone, cut where the explore charts cut them.
      const to = ctx.clock.now();
      const zone = ZoneOffsets.of(checkTimeZone(undefined));
      const dayMs = 86_400_000;
      const today = Date.parse(`${zone.day(to)}T00:00:00Z`);
      const from = zone.dayBounds(new Date(today - (days - 1) * dayMs).toISOString().slice(0, 10)).start;
      const counted = new Map(ctx.plays.perDay(from, to + 1, (ms) => zone.offset(ms) / 60_000).map((d) => [d.day, d.plays]));
      const list = [];
      for (let i = days - 1; i >= 0; i--) {
        const day = new Date(today - i * dayMs).toISOString().slice(0, 10);
        list.push({ day, plays: counted.get(day) ?? 0 });
      }
      return { days: list };
    },
    getTopItems: (q) => (requireOpen(), explore.top(q)),
    getHeatmap: (q) => (requireOpen(), explore.heatmap(q)),
    getBreakdown: (q) => (requireOpen(), explore.breakdown(q)),
    getYearReview: (q) => (requireOpen(), explore.year(q)),
    getArtist: (q) => (requireOpen(), explore.artist(q)),
    getAlbum: (q) => (requireOpen(), explore.album(q)),
    getTrack: (q) => (requireOpen(), explore.track(q)),
    searchCatalog: (q) => (requireOpen(), explore.catalog(q)),
    exportPlays: (q) => (requireOpen(), explore.exportToFile(q)),
  };
}
