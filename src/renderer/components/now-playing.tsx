import type { ServiceStatus, ZoneNowPlaying } from '../../shared/status';
import { trackTime } from '../lib/format';

const ZONE_STATE: Record<ZoneNowPlaying['state'], { label: string; icon: string }> = {
  playing: { label: 'Playing', icon: '▶' },
  paused: { label: 'Paused', icon: '‖' },
  loading: { label: 'Loading', icon: '…' },
  stopped: { label: 'Stopped', icon: '■' },
};

/** Roon's zones, then what Last.fm says is scrobbling now (other devices). */
export function NowPlaying({ roon, lastfm }: { roon: ServiceStatus | undefined; lastfm: ServiceStatus | undefined }) {
  const zones = [...(roon?.nowPlaying ?? []), ...(lastfm?.nowPlaying ?? []).map((z) => ({ ...z, zoneId: `lastfm-${z.zoneId}` }))];
  return (
    <section class="panel" aria-labelledby="now-playing-heading">
      <h2 id="now-playing-heading">Now playing</h2>
      {zones.length === 0 ? (
        <p class="empty">{roon?.state === 'running' ? 'No zones reported by Roon.' : roon ? 'Roon is not connected.' : 'Nothing is playing.'}</p>
      ) : (
        <ul class="zones" data-testid="now-playing">
          {zones.map((z) => {
            const s = ZONE_STATE[z.state];
            const progress = z.seekSeconds !== null && z.lengthSeconds ? Math.min(1, z.seekSeconds / z.lengthSeconds) : null;
            return (
              <li key={z.zoneId} class="zone">
                <div class="zone-head">
                  <span class="zone-name">{z.zoneName}</span>
                  <span class={`zone-state zone-${z.state}`}>
                    <span aria-hidden="true">{s.icon} </span>
                    {s.label}
                  </span>
                </div>
                {z.title ? (
                  <div class="track">
                    <span class="track-title">{z.title}</span>
                    <span class="track-meta">{[z.artist, z.album].filter(Boolean).join(' · ')}</span>
                  </div>
                ) : (
                  <div class="track empty">Nothing queued</div>
                )}
                {progress !== null && (
                  <div class="zone-progress">
                    <progress max={1} value={progress} aria-label={`${z.zoneName} position`} />
                    <span class="small">
                      {trackTime(z.seekSeconds)} / {trackTime(z.lengthSeconds)}
                    </span>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
