import { useEffect, useMemo, useState } from 'preact/hooks';
import type { NowPlayingProgress, ServiceStatus, ZoneNowPlaying } from '../../shared/status';
import { useApp } from '../context';
import { useNow } from '../hooks/use-now';
import { trackTime } from '../lib/format';

/** A zone's position as last heard (snapshot or progress event), and when (this window's clock). */
interface Position {
  seekSeconds: number | null;
  heardAt: number;
  /** Which was heard last, whatever the clock says: snapshots and events count on one sequence. */
  order: number;
}

let heardOrder = 0;

/**
 * Seek positions come with each snapshot and, between snapshots, as progress
 * events a few seconds apart. This component alone listens to them, and each
 * zone's position moves on by itself while it plays, so a second of music
 * re-renders one progress bar and nothing else. A snapshot's positions are
 * taken in the render that brings it, never an effect later: a zone that
 * pauses must not show the last event's position for a frame.
 */
function usePositions(zones: ZoneNowPlaying[]): Map<string, Position> {
  const { api } = useApp();
  const fromSnapshot = useMemo(() => {
    const heardAt = Date.now();
    const order = ++heardOrder;
    return new Map(zones.map((z) => [z.zoneId, { seekSeconds: z.seekSeconds, heardAt, order }]));
  }, [zones]);
  const [fromEvents, setFromEvents] = useState(() => new Map<string, Position>());
  useEffect(
    () =>
      api.onProgress((progress: NowPlayingProgress) => {
        if (progress.service !== 'roon') return;
        const heard = { heardAt: Date.now(), order: ++heardOrder };
        setFromEvents((prev) => {
          const next = new Map(prev);
          for (const z of progress.zones) next.set(z.zoneId, { seekSeconds: z.seekSeconds, ...heard });
          return next;
        });
      }),
    [api],
  );
  return useMemo(() => {
    const positions = new Map(fromSnapshot);
    for (const [zoneId, position] of fromEvents) if (position.order > (positions.get(zoneId)?.order ?? 0)) positions.set(zoneId, position);
    return positions;
  }, [fromSnapshot, fromEvents]);
}

/** The bar and "1:02 / 9:22"; counts on each second while the zone plays, up to the track's end. */
function ZoneProgress({ zone, position }: { zone: ZoneNowPlaying; position: Position | undefined }) {
  const base = position ?? { seekSeconds: zone.seekSeconds, heardAt: Date.now() };
  const shown = base.seekSeconds !== null && !!zone.lengthSeconds;
  const playing = zone.state === 'playing';
  useNow(shown && playing ? 1_000 : null);
  if (base.seekSeconds === null || !zone.lengthSeconds) return null;
  const elapsed = playing ? Math.max(0, Math.floor((Date.now() - base.heardAt) / 1_000)) : 0;
  const seek = Math.min(zone.lengthSeconds, base.seekSeconds + elapsed);
  return (
    <div class="zone-progress">
      <progress max={1} value={seek / zone.lengthSeconds} aria-label={`${zone.zoneName} position`} />
      <span class="small">
        {trackTime(seek)} / {trackTime(zone.lengthSeconds)}
      </span>
    </div>
  );
}

const ZONE_STATE: Record<ZoneNowPlaying['state'], { label: string; icon: string }> = {
  playing: { label: 'Playing', icon: '▶' },
  paused: { label: 'Paused', icon: '‖' },
  loading: { label: 'Loading', icon: '…' },
  stopped: { label: 'Stopped', icon: '■' },
};

const NO_ZONES: ZoneNowPlaying[] = [];

/** Roon's zones, then what Last.fm says is scrobbling now (other devices). */
export function NowPlaying({ roon, lastfm }: { roon: ServiceStatus | undefined; lastfm: ServiceStatus | undefined }) {
  const roonZones = roon?.nowPlaying ?? NO_ZONES;
  const positions = usePositions(roonZones);
  const zones = [...roonZones, ...(lastfm?.nowPlaying ?? []).map((z) => ({ ...z, zoneId: `lastfm-${z.zoneId}` }))];
  return (
    <section class="panel" aria-labelledby="now-playing-heading">
      <h2 id="now-playing-heading">Now playing</h2>
      {zones.length === 0 ? (
        <p class="empty">{roon?.state === 'running' ? 'No zones reported by Roon.' : roon ? 'Roon is not connected.' : 'Nothing is playing.'}</p>
      ) : (
        <ul class="zones" data-testid="now-playing">
          {zones.map((z) => {
            const s = ZONE_STATE[z.state];
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
                <ZoneProgress zone={z} position={positions.get(z.zoneId)} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
