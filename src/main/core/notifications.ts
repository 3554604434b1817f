// Which desktop notifications a change of status deserves. Pure: the state
// it needs between snapshots (when the machine slept and woke) is passed in
// and returned, never kept here.
import type { ServiceStatus, StatusSnapshot } from '../../shared/status';

export type NotificationIntent =
  | { kind: 'roon-reconnected'; title: string; body: string }
  | { kind: 'roon-needs-authorisation'; title: string; body: string }
  /** Count the plays that started between the two times and say so, if there are any. */
  | { kind: 'caught-up'; sleptAt: string; wokeAt: string };

export interface NotificationMemory {
  /** When the current or last sleep began (the snapshot's generatedAt). */
  sleptAt: string | null;
  /** Set from wake until Last.fm has polled once since: then the catch-up is known. */
  awaitingCatchUp: { sleptAt: string; wokeAt: string } | null;
}

export const INITIAL_NOTIFICATION_MEMORY: NotificationMemory = { sleptAt: null, awaitingCatchUp: null };

export function decideNotifications(
  prev: StatusSnapshot | null,
  next: StatusSnapshot,
  memory: NotificationMemory,
): { intents: NotificationIntent[]; memory: NotificationMemory } {
  const intents: NotificationIntent[] = [];
  let { sleptAt, awaitingCatchUp } = memory;

  if (next.sleeping && !prev?.sleeping) {
    sleptAt = next.generatedAt;
    awaitingCatchUp = null;
  }
  if (prev?.sleeping && !next.sleeping && sleptAt) {
    awaitingCatchUp = { sleptAt, wokeAt: next.generatedAt };
  }

  const roonBefore = find(prev, 'roon');
  const roon = find(next, 'roon');
  if (roon?.state === 'waiting-authorisation' && roonBefore?.state !== 'waiting-authorisation') {
    intents.push({
      kind: 'roon-needs-authorisation',
      title: 'Roon needs authorisation',
      body: 'Open Roon → Settings → Extensions and click Enable next to Encore.',
    });
  }
  // After a wake the catch-up message says everything is back; a second one for Roon would be noise.
  if (roonBefore?.state === 'reconnecting' && roon?.state === 'running' && !awaitingCatchUp) {
    intents.push({ kind: 'roon-reconnected', title: 'Roon reconnected', body: roon.detail || 'Encore is recording your listens again.' });
  }

  if (awaitingCatchUp && !next.sleeping) {
    const lastfm = find(next, 'lastfm');
    if (!lastfm || !lastfm.wanted || ['disabled', 'not-configured', 'stopped', 'error', 'waiting-authorisation'].includes(lastfm.state)) {
      // Only Last.fm can know what played while this machine slept; without it there is nothing to report.
      awaitingCatchUp = null;
    } else if (lastfm.lastSuccessAt && Date.parse(lastfm.lastSuccessAt) >= Date.parse(awaitingCatchUp.wokeAt)) {
      intents.push({ kind: 'caught-up', ...awaitingCatchUp });
      awaitingCatchUp = null;
    }
  }

  return { intents, memory: { sleptAt, awaitingCatchUp } };
}

/** "Caught up 12 plays after wake", or null when there is nothing worth saying. */
export function caughtUpMessage(plays: number): { title: string; body: string } | null {
  if (plays <= 0) return null;
  return {
    title: `Caught up ${plays} ${plays === 1 ? 'play' : 'plays'} after wake`,
    body: 'Listens from while this computer slept are now in your history.',
  };
}

function find(snapshot: StatusSnapshot | null, id: ServiceStatus['id']): ServiceStatus | undefined {
  return snapshot?.services.find((s) => s.id === id);
}
