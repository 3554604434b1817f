// Catches up on Last.fm scrobbles. With polling on, the Last.fm service keeps
// up by itself (and catches up on resume), so this job only works when polling is off.
import type { JobContext, JobResult } from '../job';

export async function lastfmSync(ctx: JobContext): Promise<JobResult> {
  if (!ctx.lastfmCatchUp) return { skipped: 'Last.fm is not set up (add your user name and API key in Settings).' };
  if (ctx.config.lastfm.pollSeconds > 0) return { skipped: 'Last.fm polling is on, so it is already up to date.' };
  await ctx.lastfmCatchUp(ctx.signal);
}
