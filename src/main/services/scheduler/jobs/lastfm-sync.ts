// Re-reads Last.fm's last 14 days, polling or not: Last.fm accepts scrobbles
// up to 14 days late (phones offline, other scrobblers' queues), dated with
// their real start, and a poll only looks a few hours back. What is already
// stored is a no-op. "Run now" does the same.
import type { JobContext, JobResult } from '../job';

export async function lastfmSync(ctx: JobContext): Promise<JobResult> {
  if (!ctx.lastfmCatchUp) return { skipped: 'Last.fm is not set up (add your user name and API key in Settings).' };
  // Without a user and key the catch-up would fail every hour: a run that
  // can do nothing is a skip (and replaces the previous one in the history).
  const problem = ctx.lastfmNotConfigured?.();
  if (problem) return { skipped: problem };
  await ctx.lastfmCatchUp(ctx.signal);
}
