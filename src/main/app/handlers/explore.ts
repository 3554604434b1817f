// Plays and the History area: every read needs the open database.
import type { ApiHandlers } from '../../../shared/api';
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
      const to = ctx.clock.now();
      const offset = (ms: number) => -new Date(ms).getTimezoneOffset();
      const dayMs = 86_400_000;
      const localMidnight = Math.floor((to + offset(to) * 60_000) / dayMs) * dayMs - offset(to) * 60_000;
      const counted = new Map(ctx.plays.perDay(localMidnight - (days - 1) * dayMs, to + 1, offset).map((d) => [d.day, d.plays]));
      const list = [];
      for (let i = days - 1; i >= 0; i--) {
        const day = new Date(localMidnight - i * dayMs + 12 * 3600_000 + offset(to) * 60_000).toISOString().slice(0, 10);
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
