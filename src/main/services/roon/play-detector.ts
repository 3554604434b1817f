// Turns the Roon transport's live zone state into plays, following Last.fm's
// scrobble rule, with listening time measured on the injected clock.
//
// Emit timing: a play is emitted once, at the moment it qualifies, with the
// seconds listened at that moment (so `secondsListened` is close to the
// threshold, not the final figure). Emitting at track end would give a fuller
// number but would put every qualified listen at risk until the track ends: the
// machine can sleep, the Core can vanish, the app can quit. Last.fm scrobblers
// make the same choice, and the play's identity (track + real start) is fixed
// by then anyway.
//
// Rules for the edge cases a real Core produces:
// - Transfer Zone (and grouping that replaces a zone): the Core moves the queue
//   to another zone, which shows the same track at the position the old one had
//   reached (often after `loading`); the old zone stops, empties or disappears,
//   in either order and in one message or two. That is one listen: a zone that
//   lets go of an unfinished track (removed, stopped, emptied or moved on to
//   another track) hands its play to a zone showing the same track, first seen
//   within HANDOFF_MS of the hand-over, at a position within
//   HANDOFF_SEEK_TOLERANCE_SECONDS of where the old one would be by now (it is
//   projected on when the old zone was playing). Streams without a length match
//   on the track alone: a stream restarts its position when moved. Two zones
//   that both keep playing the same track stay two plays.
// - A track never began before Encore's last look at its zone showing
//   something else. Radio and other streams count the seek from tune-in, not
//   from the song: when now - seek falls before that look, the start is the
//   look (the track change Encore saw), not now - seek.
// - The same track back near 0 after `loading` is a replay only if it had been
//   played to its end (repeat-one, the same track queued twice); an unfinished
//   track re-buffered or restarted through `loading` stays one listen with its
//   first start. After `stopped` (the listener stopped and started again) or
//   when the seek jumps from the end to 0 it is a new play.
import type { Clock } from '../../core/clock';
import { silentLogger, type Logger } from '../../core/logger';
import type { NewPlay } from '../../db/plays';
import type { ZoneNowPlaying } from '../../../shared/status';
import type { RoonNowPlaying, RoonZone, RoonZoneState, RoonZonesChanged } from './types';

export interface PlayDetectorOptions {
  clock: Clock;
  onPlay: (play: NewPlay) => void;
  logger?: Logger;
  /** A track must be longer than this to count (Last.fm: 30 s). */
  minTrackSeconds?: number;
}

/** Listening that qualifies any track: Last.fm's 4 minutes. */
const CAP_SECONDS = 240;
/**
 * Seek updates arrive about once a second but not on a precise beat: a step may
 * show a little more progress than the clock. This much extra is allowed per
 * step, and once per uninterrupted stretch of playing in total, so forward
 * seeks never add more than the time really spent playing.
 */
const SLACK_SECONDS = 1.5;
/** Wall time outrunning monotonic time by more than this means we slept unannounced. */
const UNANNOUNCED_SLEEP_MS = 5_000;
/** A seek at or below this counts as "back at the start". */
const RESTART_SEEK_SECONDS = 5;
/** After a gap, a drop smaller than this is more likely a listener's seek back than a repeat. */
const AWAY_MIN_DROP_SECONDS = 10;
/** Last seek this close to the end means the track finished. */
const END_MARGIN_SECONDS = 5;
/** Lengths and seeks beyond this are treated as garbage (a day). */
const MAX_SECONDS = 24 * 3600;
/** A seek may overshoot the length a little near the end on real Cores. */
const SEEK_OVERSHOOT_SECONDS = 60;
/** How long a removed zone's play waits for a grouped zone to pick it up. */
const HANDOFF_MS = 30_000;
/** How far a picked-up play's position may differ from where the original would be by now. */
const HANDOFF_SEEK_TOLERANCE_SECONDS = 10;

interface Track {
  /** Equal keys mean the same now_playing item. */
  key: string;
  title: string;
  artist: string;
  album: string | null;
  lengthSeconds: number | null;
}

interface Play {
  track: Track;
  /** UTC ms; fixed at the first sight of the track playing. */
  startedAt: number | null;
  listened: number;
  emitted: boolean;
  /** Wall ms before which this track cannot have started (the last look at the zone showing something else). */
  notBefore: number | null;
  /** Monotonic ms of the first look at it with a position: a hand-over only joins a fresh play. */
  firstSeenMono: number | null;
}

/** The last point from which listening can be credited. */
interface Anchor {
  seek: number;
  mono: number;
  wall: number;
}

/** One uninterrupted stretch of playing: bounds the total credit. */
interface Stretch {
  mono: number;
  credited: number;
}

interface TrackedZone {
  zoneId: string;
  name: string;
  state: RoonZoneState;
  track: Track | null;
  play: Play | null;
  /** Last known seek position (any state), seconds. */
  seek: number | null;
  /** Wall and monotonic ms of the last observation of this zone. */
  seenAt: number;
  seenAtMono: number;
  anchor: Anchor | null;
  stretch: Stretch | null;
  /** `loading` or `stopped` seen since the zone last played (`stopped` wins): a track boundary. */
  boundary: 'loading' | 'stopped' | null;
  /** We lost sight of the zone (connection lost, sleep) since it last played. */
  gap: boolean;
  /** Wall ms when we last lost sight of the zone. */
  lostAt: number | null;
  /** Warnings already logged for the current track, so garbage does not flood the log. */
  warned: Set<string>;
}

/** A play a zone let go of, unfinished, waiting for another zone to continue it. */
interface Released {
  play: Play;
  zoneId: string;
  /** Its position and whether it was moving when last seen in its zone. */
  seek: number;
  playing: boolean;
  atMono: number;
  /** Monotonic ms when the zone let go of it: the hand-over window starts here. */
  releasedMono: number;
}

export class PlayDetector {
  private readonly clock: Clock;
  private readonly onPlay: (play: NewPlay) => void;
  private readonly log: Logger;
  private readonly minTrackSeconds: number;
  private readonly zones = new Map<string, TrackedZone>();
  private released: Released[] = [];
  /** False after a lost connection or a suspend, until the Core tells us the state again. */
  private live = false;
  private disposed = false;

  constructor(opts: PlayDetectorOptions) {
    this.clock = opts.clock;
    this.onPlay = opts.onPlay;
    this.log = (opts.logger ?? silentLogger).scope('play-detector');
    this.minTrackSeconds = opts.minTrackSeconds ?? 30;
  }

  /** The full state, as after (re)subscribing: zones we knew but no longer see are gone. */
  zonesSubscribed(zones: readonly RoonZone[], unreadable: readonly string[] = []): void {
    if (this.disposed) return;
    this.live = true;
    // A zone the service could not read is still there: it is kept, out of sight.
    const seen = new Set([...zones.map((z) => z.zone_id), ...unreadable]);
    for (const id of unreadable) this.zoneUnreadable(id);
    for (const id of [...this.zones.keys()]) if (!seen.has(id)) this.removeZone(id);
    for (const zone of zones) this.applyZone(zone);
  }

  zonesChanged(body: RoonZonesChanged): void {
    if (this.disposed) return;
    this.live = true;
    // Removals first so a zone regrouped in the same message can pick up the
    // play; seek patches last because they describe the state after the changes.
    for (const id of body.zones_removed ?? []) this.removeZone(id);
    for (const zone of body.zones_added ?? []) this.applyZone(zone);
    for (const zone of body.zones_changed ?? []) this.applyZone(zone);
    for (const change of body.zones_seek_changed ?? []) {
      const t = this.zones.get(change.zone_id);
      if (!t) continue;
      const seek = this.validSeek(t, change.seek_position, t.track);
      if (seek === null) continue;
      if (t.play && this.isRestart(t, t.state, seek)) this.startPlay(t, t.track, t.seenAt);
      this.observe(t, t.state, seek);
    }
  }

  /**
   * The Core sent this zone in a form the service could not read: it still
   * exists, but nothing about it can be credited until a readable update.
   */
  zoneUnreadable(zoneId: string): void {
    const t = this.zones.get(zoneId);
    if (!t || this.disposed) return;
    this.loseSight(t);
  }

  /** The Core is out of sight: nothing heard from now on is continuous with before. */
  connectionLost(): void {
    this.interrupt();
  }

  /** The machine is going to sleep: music may go on, but we cannot vouch for it. */
  suspend(): void {
    this.interrupt();
  }

  nowPlaying(): ZoneNowPlaying[] {
    // While out of contact the last state would be a guess; showing a zone as
    // playing that may have stopped long ago misleads more than showing nothing.
    if (!this.live || this.disposed) return [];
    return [...this.zones.values()].map((t) => ({
      zoneId: t.zoneId,
      zoneName: t.name,
      state: t.state,
      title: t.track?.title ?? null,
      artist: t.track?.artist ?? null,
      album: t.track?.album ?? null,
      seekSeconds: t.track ? t.seek : null,
      lengthSeconds: t.track?.lengthSeconds ?? null,
    }));
  }

  dispose(): void {
    this.disposed = true;
    this.zones.clear();
    this.released = [];
  }

  private interrupt(): void {
    if (this.disposed) return;
    this.live = false;
    for (const t of this.zones.values()) this.loseSight(t);
  }

  private loseSight(t: TrackedZone): void {
    t.anchor = null;
    t.stretch = null;
    // Suspend then connection lost on wake: out of sight since the first.
    if (!t.gap) t.lostAt = this.clock.now();
    t.gap = true;
  }

  private applyZone(zone: RoonZone): void {
    let t = this.zones.get(zone.zone_id);
    // A track showing now began after our last look at this zone, if we had one.
    const lastLook = t ? t.seenAt : null;
    if (!t) {
      t = {
        zoneId: zone.zone_id,
        name: zone.display_name,
        state: zone.state,
        track: null,
        play: null,
        seek: null,
        seenAt: this.clock.now(),
        seenAtMono: this.clock.monotonic(),
        anchor: null,
        stretch: null,
        boundary: null,
        gap: false,
        lostAt: null,
        warned: new Set(),
      };
      this.zones.set(zone.zone_id, t);
    }
    t.name = zone.display_name;
    const track = this.readTrack(t, zone.now_playing ?? null);
    const seek = track ? this.validSeek(t, zone.now_playing?.seek_position ?? zone.seek_position, track) : null;

    if (track?.key !== t.track?.key) {
      this.startPlay(t, track, lastLook);
    } else if (t.play && seek !== null && this.isRestart(t, zone.state, seek)) {
      this.startPlay(t, track, lastLook);
    } else if (track && track.lengthSeconds !== null) {
      if (t.track) t.track.lengthSeconds = track.lengthSeconds;
      if (t.play) t.play.track.lengthSeconds = track.lengthSeconds;
    }
    this.observe(t, zone.state, seek);
  }

  private removeZone(zoneId: string): void {
    const t = this.zones.get(zoneId);
    if (!t) return;
    this.zones.delete(zoneId);
    // A qualified play was emitted when it qualified; an unqualified one is
    // dropped, unless a zone built from the same outputs (grouping, a transfer)
    // picks it up.
    this.letGo(t);
  }

  /**
   * The zone no longer shows its play (removed, emptied, stopped, another
   * track): another zone may be continuing it, or may do so soon.
   */
  private letGo(t: TrackedZone): void {
    const play = t.play;
    if (!play || play.startedAt === null || t.seek === null || t.state === 'stopped') return;
    const length = play.track.lengthSeconds;
    // A play heard to its end has nothing left to hand over.
    if (length !== null && t.seek >= length - END_MARGIN_SECONDS) return;
    const released: Released = { play, zoneId: t.zoneId, seek: t.seek, playing: t.state === 'playing', atMono: t.seenAtMono, releasedMono: this.clock.monotonic() };
    // The other zone may already be showing it (the Core announced the destination first).
    for (const other of this.zones.values()) {
      if (other === t || !other.play || other.play === play) continue;
      if (this.continues(released, other.play, other.seek, other.state === 'playing' ? other.seenAtMono : null)) {
        this.join(other, released);
        return;
      }
    }
    const mono = this.clock.monotonic();
    this.released = this.released.filter((r) => r.play !== play && mono - r.releasedMono <= HANDOFF_MS);
    this.released.push(released);
    this.log.debug(`zone ${t.name} let go of ${describe(play.track)}`);
  }

  /** Whether `fresh`, at `seek` (moving since `movingSinceMono` when playing), continues the released play. */
  private continues(r: Released, fresh: Play, seek: number | null, movingSinceMono: number | null): boolean {
    const mono = this.clock.monotonic();
    if (r.play.emitted && fresh.emitted) return false;
    if (fresh.track.key !== r.play.track.key || fresh.firstSeenMono === null || seek === null) return false;
    if (Math.abs(fresh.firstSeenMono - r.releasedMono) > HANDOFF_MS) return false;
    if (r.play.track.lengthSeconds === null || fresh.track.lengthSeconds === null) return true;
    const expected = r.seek + (r.playing ? Math.max(0, mono - r.atMono) / 1000 : 0);
    const actual = seek + (movingSinceMono !== null ? Math.max(0, mono - movingSinceMono) / 1000 : 0);
    return Math.abs(expected - actual) <= HANDOFF_SEEK_TOLERANCE_SECONDS;
  }

  /** The zone's fresh play is the released one, continued: one listen. */
  private join(t: TrackedZone, r: Released): void {
    const fresh = t.play!;
    this.released = this.released.filter((x) => x !== r);
    // Whatever the new zone credited meanwhile was heard too (the overlap is a second or two at most).
    if (fresh.emitted) return;
    r.play.listened += fresh.listened;
    if (fresh.track.lengthSeconds !== null) r.play.track.lengthSeconds = fresh.track.lengthSeconds;
    t.play = r.play;
    // The zone it came from must not go on crediting the same play.
    const from = this.zones.get(r.zoneId);
    if (from && from !== t && from.play === r.play) from.play = { ...r.play, track: { ...r.play.track }, startedAt: null, listened: 0, emitted: false, firstSeenMono: null };
    this.log.debug(`zone ${t.name} continues ${describe(r.play.track)} from another zone`);
    this.maybeEmit(t, t.play);
  }

  /** A fresh play seen for the first time: it may continue one another zone let go of. */
  private pickUp(t: TrackedZone, seek: number): void {
    const mono = this.clock.monotonic();
    this.released = this.released.filter((r) => mono - r.releasedMono <= HANDOFF_MS);
    const fresh = t.play!;
    const r = this.released.find((x) => x.zoneId !== t.zoneId && this.continues(x, fresh, seek, null));
    if (r) this.join(t, r);
  }

  private startPlay(t: TrackedZone, track: Track | null, notBefore: number | null): void {
    if (track?.key !== t.track?.key) this.letGo(t);
    if (t.play && !t.play.emitted && t.play.listened > 0) {
      this.log.debug(`${describe(t.play.track)} in ${t.name} did not qualify (${Math.round(t.play.listened)} s listened)`);
    }
    if (track?.key !== t.track?.key) t.warned.clear();
    t.track = track;
    t.play = track ? { track, startedAt: null, listened: 0, emitted: false, notBefore, firstSeenMono: null } : null;
    t.anchor = null;
    t.stretch = null;
    t.boundary = null;
    t.gap = false;
    // The position of the old track says nothing about the new one.
    t.seek = null;
  }

  /**
   * Whether the seek going back means the same track started again (a repeat)
   * rather than the listener seeking back within it. Only "back near the start
   * after the end, or after `stopped`" counts, plus: after we lost sight of the
   * zone for long enough that the track must have ended meanwhile. `loading`
   * alone is no boundary: the Core passes through it when it re-buffers or
   * restarts the same item, and an unfinished track restarted that way is
   * still the one listen (see the header).
   */
  private isRestart(t: TrackedZone, state: RoonZoneState, seek: number): boolean {
    if (t.seek === null || seek >= t.seek) return false;
    const length = t.track?.lengthSeconds ?? null;
    const unseenMs = this.clock.now() - t.seenAt;
    const away = t.gap || unseenMs - (this.clock.monotonic() - t.seenAtMono) > UNANNOUNCED_SLEEP_MS;
    // A zone we saw paused cannot have moved on before we lost sight of it.
    const awayMs = t.state === 'playing' || t.lostAt === null ? unseenMs : this.clock.now() - Math.max(t.seenAt, t.lostAt);
    const ended = length !== null && t.seek + (away ? Math.max(0, awayMs / 1000) : 0) >= length - END_MARGIN_SECONDS;
    const stopped = t.boundary === 'stopped' || state === 'stopped';
    if (seek <= RESTART_SEEK_SECONDS && (stopped || ended)) return true;
    return away && ended && seek + AWAY_MIN_DROP_SECONDS <= t.seek;
  }

  /** One look at a zone: its state and, when known, the seek position. */
  private observe(t: TrackedZone, state: RoonZoneState, seek: number | null): void {
    const now = this.clock.now();
    const mono = this.clock.monotonic();
    // Stopped on a track: another zone may be continuing it (a transfer). Judged
    // on the zone as last seen, before this look replaces it.
    if (state === 'stopped') this.letGo(t);
    t.state = state;
    t.seenAt = now;
    t.seenAtMono = mono;
    if (t.play && seek !== null && t.play.firstSeenMono === null) {
      t.play.firstSeenMono = mono;
      this.pickUp(t, seek);
    }
    if (state !== 'playing') {
      if (state === 'stopped') t.boundary = 'stopped';
      else if (state === 'loading' && t.boundary === null) t.boundary = 'loading';
      t.anchor = null;
      t.stretch = null;
      if (seek !== null) t.seek = seek;
      return;
    }
    const play = t.play;
    if (!play || seek === null) return;
    if (play.startedAt === null) play.startedAt = Math.max(now - seek * 1000, play.notBefore ?? -Infinity);

    const anchor = t.anchor;
    if (anchor && t.stretch) {
      const monoElapsed = (mono - anchor.mono) / 1000;
      if (now - anchor.wall - (mono - anchor.mono) > UNANNOUNCED_SLEEP_MS) {
        // The wall clock moved and the monotonic one did not: we slept without
        // being told. Whatever the Core played meanwhile, we did not see it.
        t.stretch = { mono, credited: 0 };
      } else {
        const elapsed = Math.max(0, monoElapsed);
        const moved = seek - anchor.seek;
        // A jump beyond the time that passed is a seek: only the time itself
        // may have been listened to, not the distance jumped.
        const step = moved > elapsed + SLACK_SECONDS ? elapsed : moved;
        const budget = (mono - t.stretch.mono) / 1000 + SLACK_SECONDS - t.stretch.credited;
        const credit = Math.max(0, Math.min(step, budget));
        t.stretch.credited += credit;
        play.listened += credit;
      }
    } else {
      t.stretch = { mono, credited: 0 };
    }
    t.anchor = { seek, mono, wall: now };
    t.seek = seek;
    t.boundary = null;
    t.gap = false;
    this.maybeEmit(t, play);
  }

  private maybeEmit(t: TrackedZone, play: Play): void {
    if (play.emitted || play.startedAt === null) return;
    const length = play.track.lengthSeconds;
    if (length !== null && length <= this.minTrackSeconds) return;
    const needed = length === null ? CAP_SECONDS : Math.min(length / 2, CAP_SECONDS);
    if (play.listened < needed) return;
    play.emitted = true;
    const out: NewPlay = {
      artist: play.track.artist,
      title: play.track.title,
      album: play.track.album,
      lengthSeconds: length,
      startedAt: Math.round(play.startedAt),
      secondsListened: Math.round(play.listened),
      zone: t.name,
      source: 'roon',
    };
    this.log.info(`play: ${describe(play.track)} in ${t.name}`);
    try {
      this.onPlay(out);
    } catch (error) {
      // The listener's failure is its own; our bookkeeping stays as it is so the
      // play is not offered twice.
      this.log.error('storing a Roon play failed', error);
    }
  }

  private readTrack(t: TrackedZone, np: RoonNowPlaying | null): Track | null {
    if (!np) return null;
    const title = text(np.three_line?.line1) || text(np.one_line?.line1);
    const artist = text(np.three_line?.line2) || text(np.two_line?.line2);
    const album = text(np.three_line?.line3) || null;
    if (!title || !artist) {
      this.warnOnce(t, 'names', `zone ${t.name}: now playing without title or artist, not counted`, { title, artist });
      return null;
    }
    let lengthSeconds: number | null = null;
    const raw = np.length;
    if (raw !== undefined && raw !== null) {
      if (typeof raw === 'number' && Number.isFinite(raw) && raw > 0 && raw <= MAX_SECONDS) lengthSeconds = raw;
      else this.warnOnce(t, `length:${title}`, `zone ${t.name}: ignoring absurd track length`, raw);
    }
    // The length stays out of the identity: some Cores send it only once the track has loaded.
    return { key: JSON.stringify([title, artist, album]), title, artist, album, lengthSeconds };
  }

  private validSeek(t: TrackedZone, raw: unknown, track: Track | null): number | null {
    if (raw === undefined || raw === null) return null;
    const length = track?.lengthSeconds ?? null;
    if (
      typeof raw !== 'number' ||
      !Number.isFinite(raw) ||
      raw < 0 ||
      raw > MAX_SECONDS ||
      (length !== null && raw > length + SEEK_OVERSHOOT_SECONDS)
    ) {
      this.warnOnce(t, 'seek', `zone ${t.name}: ignoring absurd seek position`, raw);
      return null;
    }
    return raw;
  }

  private warnOnce(t: TrackedZone, key: string, message: string, detail: unknown): void {
    if (t.warned.has(key)) return;
    t.warned.add(key);
    this.log.warn(message, detail);
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function describe(track: Track): string {
  return `"${track.title}" by ${track.artist}`;
}
