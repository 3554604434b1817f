import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock';
import { MemoryLogger } from '../../core/logger';
import type { NewPlay } from '../../db/plays';
import { PlayDetector } from './play-detector';
import type { RoonNowPlaying, RoonZone, RoonZoneState, RoonZonesChanged } from './types';

interface TrackDef {
  title: string;
  artist: string;
  album?: string;
  length: number | null;
}

const TEARDROP: TrackDef = { title: 'Teardrop', artist: 'Massive Attack', album: 'Mezzanine', length: 300 };
const ANGEL: TrackDef = { title: 'Angel', artist: 'Massive Attack', album: 'Mezzanine', length: 380 };
const LONG_MIX: TrackDef = { title: 'Essential Mix', artist: 'Four Tet', album: 'BBC Radio 1', length: 7200 };
const INTERLUDE: TrackDef = { title: 'Interlude', artist: 'Portishead', album: 'Dummy', length: 30 };
const RADIO: TrackDef = { title: 'Live Set', artist: 'FIP', length: null };

function nowPlaying(t: TrackDef, seek: number | undefined): RoonNowPlaying {
  return {
    seek_position: seek,
    length: t.length ?? undefined,
    one_line: { line1: t.title },
    two_line: { line1: t.title, line2: t.artist },
    three_line: { line1: t.title, line2: t.artist, line3: t.album ?? '' },
  };
}

interface ZonePatch {
  name?: string;
  state?: RoonZoneState;
  track?: TrackDef | null;
  seek?: number;
  outputs?: string[];
}

/** Plays the Core's side: keeps each zone's state and sends what a Core sends. */
class Rig {
  readonly clock = new ManualClock();
  readonly plays: NewPlay[] = [];
  readonly log = new MemoryLogger();
  readonly detector: PlayDetector;
  private readonly zones = new Map<string, { zone: RoonZone; track: TrackDef | null; seek: number | undefined }>();

  constructor(opts: { minTrackSeconds?: number; onPlay?: (p: NewPlay) => void } = {}) {
    this.detector = new PlayDetector({
      clock: this.clock,
      logger: this.log,
      minTrackSeconds: opts.minTrackSeconds,
      onPlay: (p) => {
        this.plays.push(p);
        opts.onPlay?.(p);
      },
    });
  }

  /** Updates the Core's model of a zone and returns the zone as the Core would send it. */
  set(id: string, patch: ZonePatch): RoonZone {
    const prev = this.zones.get(id);
    const track = patch.track !== undefined ? patch.track : (prev?.track ?? null);
    const seek = 'seek' in patch ? patch.seek : prev?.seek;
    const name = patch.name ?? prev?.zone.display_name ?? id;
    const outputIds = patch.outputs ?? prev?.zone.outputs.map((o) => o.output_id) ?? [`${id}-out`];
    const zone: RoonZone = {
      zone_id: id,
      display_name: name,
      outputs: outputIds.map((o) => ({ output_id: o, zone_id: id, display_name: o, can_group_with_output_ids: outputIds })),
      state: patch.state ?? prev?.zone.state ?? 'stopped',
      is_seek_allowed: true,
      queue_items_remaining: 10,
      queue_time_remaining: 3000,
      settings: { loop: 'disabled', shuffle: false, auto_radio: true },
      ...(track ? { now_playing: nowPlaying(track, seek) } : {}),
    };
    this.zones.set(id, { zone, track, seek });
    return zone;
  }

  subscribe(): void {
    this.detector.zonesSubscribed([...this.zones.values()].map((z) => z.zone));
  }

  add(id: string, patch: ZonePatch): void {
    this.detector.zonesChanged({ zones_added: [this.set(id, patch)] });
  }

  change(id: string, patch: ZonePatch): void {
    this.detector.zonesChanged({ zones_changed: [this.set(id, patch)] });
  }

  remove(id: string): void {
    this.zones.delete(id);
    this.detector.zonesChanged({ zones_removed: [id] });
  }

  /** The Core moved the play head (a seek by the listener, or a plain update). */
  seek(id: string, seek: number): void {
    this.set(id, { seek });
    this.detector.zonesChanged({ zones_seek_changed: [{ zone_id: id, seek_position: seek, queue_time_remaining: 3000 - seek }] });
  }

  /** `seconds` of playback: every second the clock moves on and the Core reports the new position. */
  playFor(id: string, seconds: number): void {
    for (let i = 0; i < seconds; i++) {
      this.clock.advance(1000);
      this.seek(id, (this.zones.get(id)!.seek ?? 0) + 1);
    }
  }

  /** Plays until the seek reaches `position`. */
  playTo(id: string, position: number): void {
    this.playFor(id, position - (this.zones.get(id)!.seek ?? 0));
  }

  /** Starts a track at `seek` in a zone the detector already knows. */
  start(id: string, track: TrackDef, seek = 0): number {
    this.change(id, { state: 'playing', track, seek });
    return this.clock.now() - seek * 1000;
  }

  /** A zone playing `track` at `seek`, announced by a fresh subscription. Returns the real start. */
  connectPlaying(id: string, track: TrackDef, seek = 0, name = 'Living Room'): number {
    this.set(id, { name, state: 'playing', track, seek });
    this.subscribe();
    return this.clock.now() - seek * 1000;
  }
}

describe('PlayDetector: the scrobble rule', () => {
  it('counts a track once half of it has been played, with its real start', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 149);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 150);
    expect(rig.plays).toEqual([
      {
        artist: 'Massive Attack',
        title: 'Teardrop',
        album: 'Mezzanine',
        lengthSeconds: 300,
        startedAt: start,
        secondsListened: 150,
        zone: 'Living Room',
        source: 'roon',
      },
    ]);
  });

  it('emits exactly once even when the track plays to its end', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 300);
    rig.change('z1', { state: 'stopped' });
    expect(rig.plays).toHaveLength(1);
  });

  it('caps the listening needed at 4 minutes for long tracks', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', LONG_MIX);
    rig.playTo('z1', 239);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 240);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.secondsListened).toBe(240);
    rig.playTo('z1', 3000);
    expect(rig.plays).toHaveLength(1);
  });

  it('never counts a track of 30 s or less, played in full', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', INTERLUDE);
    rig.playTo('z1', 30);
    rig.change('z1', { state: 'stopped' });
    expect(rig.plays).toHaveLength(0);
  });

  it('counts a 31 s track after half of it', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', { ...INTERLUDE, length: 31 });
    rig.playTo('z1', 15);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 16);
    expect(rig.plays).toHaveLength(1);
  });

  it('honours a different minimum track length', () => {
    const rig = new Rig({ minTrackSeconds: 60 });
    rig.connectPlaying('z1', { ...TEARDROP, length: 60 });
    rig.playTo('z1', 60);
    expect(rig.plays).toHaveLength(0);
  });

  it('counts a track of unknown length after 4 minutes', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', RADIO);
    rig.playTo('z1', 239);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 240);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]).toMatchObject({ lengthSeconds: null, album: null, startedAt: start, secondsListened: 240 });
  });

  it('dates a track first seen 60 s in from its real start, and counts only what it saw', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP, 60);
    expect(start).toBe(rig.clock.now() - 60_000);
    rig.playTo('z1', 209);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 210);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
  });

  it('records the play in UTC milliseconds of the clock', () => {
    const rig = new Rig();
    rig.clock.setWall(Date.UTC(2026, 5, 1, 23, 59, 0));
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 150);
    expect(new Date(rig.plays[0]!.startedAt).toISOString()).toBe('2026-06-01T23:59:00.000Z');
  });
});

describe('PlayDetector: listening time', () => {
  it('does not count a forward seek as listening', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 20);
    rig.clock.advance(1000);
    rig.seek('z1', 200); // the listener jumps ahead
    rig.playTo('z1', 300);
    expect(rig.plays).toHaveLength(0);
  });

  it('counts the listening on both sides of a forward seek', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', ANGEL); // needs 190 s
    rig.playTo('z1', 100);
    rig.clock.advance(1000);
    rig.seek('z1', 200);
    rig.playTo('z1', 288);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 292);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
    expect(rig.plays[0]!.secondsListened).toBeGreaterThanOrEqual(190);
    expect(rig.plays[0]!.secondsListened).toBeLessThanOrEqual(192);
  });

  it('does not count a run of forward jumps faster than the clock', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', LONG_MIX);
    // Scrubbing: the play head moves 30 s per real second for two minutes.
    for (let i = 0; i < 120; i++) {
      rig.clock.advance(1000);
      rig.seek('z1', 30 * (i + 1));
    }
    expect(rig.plays).toHaveLength(0);
  });

  it('adds nothing for a backward seek and keeps it one play', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.clock.advance(1000);
    rig.seek('z1', 20);
    rig.playTo('z1', 69);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 72);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
  });

  it('stops counting while paused, and resumes the same play', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.change('z1', { state: 'paused' });
    rig.clock.advance(3600_000);
    rig.change('z1', { state: 'playing' });
    rig.playTo('z1', 149);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 150);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
  });

  it('does not count a seek made while paused', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 90);
    rig.change('z1', { state: 'paused' });
    rig.clock.advance(600_000);
    rig.seek('z1', 250);
    rig.clock.advance(600_000);
    rig.change('z1', { state: 'playing' });
    rig.playTo('z1', 300); // 90 + 50 s heard
    expect(rig.plays).toHaveLength(0);
  });

  it('does not count seek updates that still arrive while paused', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.change('z1', { state: 'paused' });
    for (let i = 0; i < 100; i++) {
      rig.clock.advance(1000);
      rig.seek('z1', 100);
    }
    expect(rig.plays).toHaveLength(0);
  });

  it('never counts sleep: suspend in the middle, the Core plays on, we come back', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', ANGEL); // 380 s, needs 190 s
    rig.playTo('z1', 100);
    rig.detector.suspend();
    rig.clock.sleep(120_000); // the Core keeps playing: 100 → 220
    rig.detector.connectionLost();
    rig.set('z1', { seek: 220 });
    rig.clock.advance(800); // reconnecting
    rig.subscribe();
    rig.playTo('z1', 309);
    expect(rig.plays).toHaveLength(0); // 100 + 89 s seen
    rig.playTo('z1', 311);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
    expect(rig.plays[0]!.secondsListened).toBeLessThanOrEqual(192);
  });

  it('never counts a wall-clock gap without monotonic progress, even unannounced', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', ANGEL);
    rig.playTo('z1', 100);
    rig.clock.sleep(120_000); // nobody called suspend()
    rig.seek('z1', 220);
    rig.playTo('z1', 300);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 312);
    expect(rig.plays).toHaveLength(1);
  });

  it('stops accumulating when the connection is lost, even if a stale update slips through', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.detector.connectionLost();
    rig.clock.advance(60_000);
    rig.seek('z1', 160); // from a socket we no longer trust: baseline only
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 209);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 211);
    expect(rig.plays).toHaveLength(1);
  });

  it('tolerates seek updates that arrive a little early or in a burst', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    for (let s = 1; s <= 150; s++) {
      // Alternating 0.8 s and 1.2 s apart, averaging one second.
      rig.clock.advance(s % 2 ? 800 : 1200);
      rig.seek('z1', s);
    }
    expect(rig.plays).toHaveLength(1);
  });

  it('counts updates delivered in a burst after a stall, up to the time that passed', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 140);
    rig.clock.advance(10_000); // the event loop was busy; ten updates queue up
    for (let s = 141; s <= 150; s++) rig.seek('z1', s);
    expect(rig.plays).toHaveLength(1);
  });
});

describe('PlayDetector: track boundaries', () => {
  it('makes two plays of the same track played twice in a row via loading', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 300);
    rig.clock.advance(300);
    rig.change('z1', { state: 'loading', seek: 0 });
    rig.clock.advance(400);
    const second = rig.start('z1', TEARDROP);
    rig.playTo('z1', 150);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first, second]);
    expect(second - first).toBe(300_700);
  });

  it('makes two plays when repeat-one takes the seek back to 0 without loading', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 299);
    rig.clock.advance(1000);
    rig.seek('z1', 0);
    const second = rig.clock.now();
    rig.playTo('z1', 150);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first, second]);
  });

  it('makes two plays when loading carries no seek position', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 300);
    rig.clock.advance(500);
    rig.change('z1', { state: 'loading', seek: undefined });
    rig.clock.advance(500);
    rig.change('z1', { state: 'playing', seek: 0 });
    rig.playTo('z1', 150);
    expect(rig.plays).toHaveLength(2);
  });

  it('makes a new play when the same track is played again after stopping', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 200);
    rig.change('z1', { state: 'stopped', seek: 0 });
    rig.clock.advance(60_000);
    rig.change('z1', { state: 'playing', seek: 0 });
    rig.playTo('z1', 150);
    expect(rig.plays).toHaveLength(2);
  });

  it('keeps one play when the listener seeks back to the start mid-track', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.clock.advance(1000);
    rig.seek('z1', 0);
    rig.playTo('z1', 60);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
    rig.playTo('z1', 300);
    expect(rig.plays).toHaveLength(1);
  });

  it('goes through loading between two different tracks, dating the second from when it played', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 300);
    rig.clock.advance(500);
    rig.change('z1', { state: 'loading', track: ANGEL, seek: 0 });
    rig.clock.advance(2000); // buffering
    const second = rig.start('z1', ANGEL);
    rig.playTo('z1', 190);
    expect(rig.plays.map((p) => [p.title, p.startedAt])).toEqual([
      ['Teardrop', first],
      ['Angel', second],
    ]);
  });

  it('drops a skipped track and counts the next one', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 140);
    rig.start('z1', ANGEL);
    rig.playTo('z1', 190);
    expect(rig.plays.map((p) => p.title)).toEqual(['Angel']);
    expect(rig.log.lines.some((l) => l.message.includes('did not qualify'))).toBe(true);
  });

  it('handles a track change and its seek update combined in one message', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 299);
    rig.clock.advance(1000);
    const zone = rig.set('z1', { state: 'playing', track: ANGEL, seek: 0 });
    const body: RoonZonesChanged = {
      zones_changed: [zone],
      zones_seek_changed: [{ zone_id: 'z1', seek_position: 1, queue_time_remaining: 2999 }],
    };
    rig.detector.zonesChanged(body);
    rig.set('z1', { seek: 1 });
    const angelStart = rig.clock.now();
    rig.playTo('z1', 190);
    expect(rig.plays.map((p) => p.title)).toEqual(['Teardrop', 'Angel']);
    expect(rig.plays[1]!.startedAt).toBe(angelStart);
    expect(rig.plays[1]!.secondsListened).toBeLessThanOrEqual(191);
  });

  it('handles zones added, changed and seeks for several zones in one message', () => {
    const rig = new Rig();
    rig.set('z1', { name: 'Kitchen', state: 'playing', track: TEARDROP, seek: 0 });
    rig.subscribe();
    rig.clock.advance(1000);
    const added = rig.set('z2', { name: 'Study', state: 'playing', track: ANGEL, seek: 0 });
    rig.detector.zonesChanged({ zones_added: [added], zones_seek_changed: [{ zone_id: 'z1', seek_position: 1 }] });
    rig.set('z1', { seek: 1 });
    for (let i = 0; i < 190; i++) {
      rig.clock.advance(1000);
      rig.set('z1', { seek: i + 2 });
      rig.set('z2', { seek: i + 1 });
      rig.detector.zonesChanged({
        zones_seek_changed: [
          { zone_id: 'z1', seek_position: i + 2 },
          { zone_id: 'z2', seek_position: i + 1 },
        ],
      });
    }
    expect(rig.plays.map((p) => [p.zone, p.title])).toEqual([
      ['Kitchen', 'Teardrop'],
      ['Study', 'Angel'],
    ]);
  });
});

describe('PlayDetector: zones', () => {
  it('counts a grouped zone once, not once per output', () => {
    const rig = new Rig();
    rig.set('g', { name: 'Downstairs', state: 'playing', track: TEARDROP, seek: 0, outputs: ['kitchen', 'living', 'dining'] });
    rig.subscribe();
    rig.playTo('g', 300);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.zone).toBe('Downstairs');
  });

  it('keeps the play when another output joins the zone mid-track', () => {
    const rig = new Rig();
    rig.set('a', { name: 'Kitchen', state: 'playing', track: TEARDROP, seek: 0 });
    rig.set('b', { name: 'Study', state: 'stopped', track: null });
    rig.subscribe();
    rig.playTo('a', 100);
    rig.detector.zonesChanged({
      zones_removed: ['b'],
      zones_changed: [rig.set('a', { name: 'Kitchen + Study', outputs: ['a-out', 'b-out'] })],
    });
    rig.playTo('a', 150);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.zone).toBe('Kitchen + Study');
  });

  it('carries a play over when grouping replaces the zone with a new one', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('kitchen', TEARDROP, 0, 'Kitchen');
    rig.playTo('kitchen', 140);
    rig.clock.advance(500);
    rig.remove('kitchen');
    const grouped = rig.set('grp', { name: 'Kitchen + Study', state: 'playing', track: TEARDROP, seek: 141, outputs: ['kitchen-out', 'study-out'] });
    rig.detector.zonesChanged({ zones_added: [grouped] });
    rig.playTo('grp', 152);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]).toMatchObject({ startedAt: start, zone: 'Kitchen + Study' });
    rig.playTo('grp', 300);
    expect(rig.plays).toHaveLength(1);
  });

  it('does not double a qualified play carried into a grouped zone', () => {
    const rig = new Rig();
    rig.connectPlaying('kitchen', TEARDROP, 0, 'Kitchen');
    rig.playTo('kitchen', 200);
    expect(rig.plays).toHaveLength(1);
    rig.detector.zonesChanged({
      zones_removed: ['kitchen'],
      zones_added: [rig.set('grp', { name: 'Kitchen + Study', state: 'playing', track: TEARDROP, seek: 200 })],
    });
    rig.playTo('grp', 300);
    expect(rig.plays).toHaveLength(1);
  });

  it('drops the play of a zone removed before the track qualified', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.remove('z1');
    rig.clock.advance(3600_000);
    expect(rig.plays).toHaveLength(0);
    expect(rig.detector.nowPlaying()).toEqual([]);
  });

  it('keeps the play of a zone removed after the track qualified, exactly once', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 160);
    rig.remove('z1');
    expect(rig.plays).toHaveLength(1);
    rig.set('z1', { state: 'playing', track: TEARDROP, seek: 160 });
    rig.subscribe();
    rig.playTo('z1', 300);
    expect(rig.plays).toHaveLength(1);
  });

  it('forgets zones missing from a new full state', () => {
    const rig = new Rig();
    rig.set('a', { name: 'Kitchen', state: 'playing', track: TEARDROP, seek: 0 });
    rig.set('b', { name: 'Study', state: 'paused', track: ANGEL, seek: 30 });
    rig.subscribe();
    rig.detector.zonesSubscribed([rig.set('a', {})]);
    expect(rig.detector.nowPlaying().map((z) => z.zoneName)).toEqual(['Kitchen']);
  });

  it('tracks zones independently', () => {
    const rig = new Rig();
    rig.set('a', { name: 'Kitchen', state: 'playing', track: TEARDROP, seek: 0 });
    rig.set('b', { name: 'Study', state: 'playing', track: TEARDROP, seek: 0 });
    rig.subscribe();
    for (let i = 1; i <= 150; i++) {
      rig.clock.advance(1000);
      rig.seek('a', i);
      if (i <= 100) rig.seek('b', i);
    }
    expect(rig.plays.map((p) => p.zone)).toEqual(['Kitchen']);
  });
});

describe('PlayDetector: reconnecting', () => {
  it('continues the same play after a reconnect mid-track, with no duplicate', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.detector.connectionLost();
    rig.clock.advance(3000);
    rig.set('z1', { seek: 103 });
    rig.subscribe();
    rig.playTo('z1', 152);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 154);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
  });

  it('does not emit again when reconnecting after the play qualified', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 200);
    for (let i = 0; i < 3; i++) {
      rig.detector.connectionLost();
      rig.clock.advance(2000);
      rig.set('z1', { seek: 200 + 2 * (i + 1) });
      rig.subscribe();
    }
    rig.playTo('z1', 300);
    expect(rig.plays).toHaveLength(1);
  });

  it('re-subscribing on the same connection changes nothing', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.subscribe();
    rig.subscribe();
    rig.playTo('z1', 150);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.secondsListened).toBe(150);
  });

  it('makes a new play when the track must have ended and started again while we were away', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 200);
    rig.detector.connectionLost();
    rig.clock.advance(150_000); // 200 → end at 300, then again from 0 to 50
    rig.set('z1', { seek: 50 });
    rig.subscribe();
    const second = rig.clock.now() - 50_000;
    rig.playTo('z1', 200);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first, second]);
  });

  it('picks up a zone that was paused while we were away', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.detector.suspend();
    rig.clock.sleep(8 * 3600_000);
    rig.detector.connectionLost();
    rig.set('z1', { state: 'paused', seek: 120 });
    rig.subscribe();
    rig.clock.advance(5000);
    rig.change('z1', { state: 'playing' });
    rig.playTo('z1', 170);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
  });
});

describe('PlayDetector: names and bad input', () => {
  it('falls back to two_line and one_line, and stores an empty album as null', () => {
    const rig = new Rig();
    rig.set('z1', { state: 'playing', track: TEARDROP, seek: 0 });
    const zone = rig.set('z1', {});
    zone.now_playing = {
      seek_position: 0,
      length: 200,
      one_line: { line1: 'Roads' },
      two_line: { line1: 'Roads', line2: 'Portishead' },
      three_line: { line1: '', line2: '', line3: '' },
    };
    rig.detector.zonesSubscribed([zone]);
    rig.playTo('z1', 100);
    expect(rig.plays).toEqual([expect.objectContaining({ title: 'Roads', artist: 'Portishead', album: null, lengthSeconds: 200 })]);
  });

  it('does not count a now playing item without an artist', () => {
    const rig = new Rig();
    const zone = rig.set('z1', { state: 'playing', track: { title: 'Station ID', artist: '', length: null }, seek: 0 });
    rig.detector.zonesSubscribed([zone]);
    rig.playTo('z1', 600);
    expect(rig.plays).toHaveLength(0);
    expect(rig.log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it.each([
    ['negative', -5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['huge', 1e12],
    ['past the end', 5000],
  ])('ignores a %s seek position with one log line', (_label, bad) => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    for (let i = 0; i < 5; i++) {
      rig.clock.advance(1000);
      rig.detector.zonesChanged({ zones_seek_changed: [{ zone_id: 'z1', seek_position: bad }] });
    }
    rig.set('z1', { seek: 105 });
    rig.playTo('z1', 160);
    expect(rig.plays).toHaveLength(1);
    expect(rig.plays[0]!.startedAt).toBe(start);
    expect(rig.plays[0]!.secondsListened).toBeLessThanOrEqual(152);
    expect(rig.log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it.each([
    ['negative', -300],
    ['zero', 0],
    ['NaN', Number.NaN],
    ['huge', 1e9],
  ])('treats a %s length as unknown', (_label, bad) => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', { ...TEARDROP, length: bad });
    rig.playTo('z1', 200);
    expect(rig.plays).toHaveLength(0);
    rig.playTo('z1', 240);
    expect(rig.plays).toEqual([expect.objectContaining({ lengthSeconds: null, startedAt: start })]);
    expect(rig.log.lines.some((l) => l.level === 'warn' && l.message.includes('length'))).toBe(true);
  });

  it('ignores seek updates for zones it does not know', () => {
    const rig = new Rig();
    rig.detector.zonesChanged({ zones_seek_changed: [{ zone_id: 'nobody', seek_position: 10 }] });
    expect(rig.detector.nowPlaying()).toEqual([]);
    expect(rig.plays).toHaveLength(0);
  });

  it('emits once even when storing the play throws', () => {
    let calls = 0;
    const rig = new Rig({
      onPlay: () => {
        calls++;
        throw new Error('disk full');
      },
    });
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 300);
    expect(calls).toBe(1);
    expect(rig.log.lines.some((l) => l.level === 'error')).toBe(true);
  });
});

describe('PlayDetector: status and lifetime', () => {
  it('reports now playing per zone', () => {
    const rig = new Rig();
    rig.set('a', { name: 'Kitchen', state: 'playing', track: TEARDROP, seek: 12 });
    rig.set('b', { name: 'Study', state: 'stopped', track: null });
    rig.subscribe();
    expect(rig.detector.nowPlaying()).toEqual([
      {
        zoneId: 'a',
        zoneName: 'Kitchen',
        state: 'playing',
        title: 'Teardrop',
        artist: 'Massive Attack',
        album: 'Mezzanine',
        seekSeconds: 12,
        lengthSeconds: 300,
      },
      { zoneId: 'b', zoneName: 'Study', state: 'stopped', title: null, artist: null, album: null, seekSeconds: null, lengthSeconds: null },
    ]);
    rig.playTo('a', 20);
    expect(rig.detector.nowPlaying()[0]!.seekSeconds).toBe(20);
  });

  it('shows nothing while out of contact, and the zones again once subscribed', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.detector.connectionLost();
    expect(rig.detector.nowPlaying()).toEqual([]);
    rig.subscribe();
    expect(rig.detector.nowPlaying()).toHaveLength(1);
    rig.detector.suspend();
    expect(rig.detector.nowPlaying()).toEqual([]);
  });

  it('does nothing after dispose', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 100);
    rig.detector.dispose();
    rig.playTo('z1', 300);
    rig.subscribe();
    expect(rig.plays).toHaveLength(0);
    expect(rig.detector.nowPlaying()).toEqual([]);
    expect(rig.clock.pendingTimers).toBe(0);
  });
});

describe('PlayDetector: repeats hidden by a gap', () => {
  it('keeps one play when a paused zone was seeked back during a short disconnect', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 250);
    rig.change('z1', { state: 'paused' });
    rig.clock.advance(3600_000);
    rig.detector.connectionLost();
    rig.clock.advance(3000);
    rig.set('z1', { seek: 100 });
    rig.subscribe();
    rig.change('z1', { state: 'playing' });
    rig.playTo('z1', 300);
    expect(rig.plays).toHaveLength(1);
  });

  it('makes a new play when an unannounced sleep hid the end and a repeat', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 200);
    rig.clock.sleep(150_000); // 200 → 300, then again from 0 to 50
    rig.clock.advance(1000);
    rig.seek('z1', 51);
    const second = rig.clock.now() - 51_000;
    rig.playTo('z1', 205);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first, second]);
  });
});

describe('PlayDetector: restarts right after the start', () => {
  it('keeps one listen, from its first start, when an unfinished track is restarted through loading a second in', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 1);
    rig.clock.advance(1000);
    rig.change('z1', { state: 'loading', seek: 0 });
    rig.clock.advance(1000);
    rig.start('z1', TEARDROP);
    rig.playTo('z1', 300);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first]);
  });
});

describe('PlayDetector: a repeat of a paused track while asleep', () => {
  it('dates the time away from the suspend, not from the later connection loss', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', ANGEL);
    rig.playTo('z1', 200);
    rig.change('z1', { state: 'paused' });
    rig.clock.advance(30_000);
    rig.detector.suspend();
    rig.clock.sleep(1800_000); // resumed elsewhere, played out, and started again
    rig.detector.connectionLost();
    rig.set('z1', { state: 'playing', seek: 58 });
    rig.subscribe();
    const second = rig.clock.now() - 58_000;
    rig.playTo('z1', 250);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first, second]);
  });
});

describe('PlayDetector: a length that arrives late', () => {
  it('keeps one play when the length appears only after loading', () => {
    const rig = new Rig();
    rig.set('z1', { state: 'loading', track: { ...TEARDROP, length: null }, seek: 0 });
    rig.subscribe();
    rig.clock.advance(1000);
    const start = rig.start('z1', TEARDROP);
    rig.playTo('z1', 150);
    expect(rig.plays).toEqual([expect.objectContaining({ startedAt: start, lengthSeconds: 300, secondsListened: 150 })]);
  });

  it('keeps counting the same play when a mid-track update adds the length', () => {
    const rig = new Rig();
    const start = rig.connectPlaying('z1', { ...TEARDROP, length: null });
    rig.playTo('z1', 100);
    rig.change('z1', { track: TEARDROP });
    rig.playTo('z1', 150);
    expect(rig.plays).toEqual([expect.objectContaining({ startedAt: start, lengthSeconds: 300 })]);
  });
});

describe('PlayDetector: Transfer Zone', () => {
  /** Kitchen plays a track (Teardrop unless told); the Study is known and idle. */
  function twoRooms(track: TrackDef = TEARDROP): { rig: Rig; start: number } {
    const rig = new Rig();
    rig.set('kitchen', { name: 'Kitchen', state: 'playing', track, seek: 0 });
    rig.set('study', { name: 'Study', state: 'stopped', track: null });
    rig.subscribe();
    return { rig, start: rig.clock.now() };
  }

  it('counts one play when the track moves on to another zone (source first, destination through loading)', () => {
    const { rig, start } = twoRooms();
    rig.playTo('kitchen', 100);
    rig.clock.advance(1000);
    rig.change('kitchen', { state: 'stopped', track: null });
    rig.change('study', { state: 'loading', track: TEARDROP, seek: undefined });
    rig.clock.advance(1000);
    rig.change('study', { state: 'playing', seek: 101 });
    rig.playTo('study', 300);
    expect(rig.plays).toEqual([expect.objectContaining({ title: 'Teardrop', startedAt: start, zone: 'Study' })]);
    // Both rooms' listening counted towards the one play: 100 s there, 50 s here.
    expect(rig.plays[0]!.secondsListened).toBe(150);
  });

  // A long mix, so that either side alone would qualify: two plays are possible, one is right.
  it('counts one play when the Core shows the destination before it stops the source', () => {
    const { rig, start } = twoRooms(LONG_MIX);
    rig.playTo('kitchen', 100);
    rig.clock.advance(1000);
    rig.change('study', { state: 'playing', track: LONG_MIX, seek: 101 });
    rig.clock.advance(1000);
    rig.change('kitchen', { state: 'stopped' });
    // 100 s there and 140 s here make the 4 minutes: it counts now, not 4 minutes after the move.
    rig.playTo('study', 243);
    expect(rig.plays.map((p) => [p.zone, p.startedAt])).toEqual([['Study', start]]);
    rig.playTo('study', 700);
    expect(rig.plays).toHaveLength(1);
  });

  it('counts one play when both zones change in one message, in either order', () => {
    for (const order of ['destination first', 'source first'] as const) {
      const { rig, start } = twoRooms(LONG_MIX);
      rig.playTo('kitchen', 80);
      rig.clock.advance(1000);
      const source = rig.set('kitchen', { state: 'stopped', track: null });
      const destination = rig.set('study', { state: 'playing', track: LONG_MIX, seek: 81 });
      rig.detector.zonesChanged({ zones_changed: order === 'source first' ? [source, destination] : [destination, source] });
      rig.playTo('study', 244);
      expect(rig.plays.map((p) => [p.zone, p.startedAt]), order).toEqual([['Study', start]]);
      rig.playTo('study', 700);
      expect(rig.plays, order).toHaveLength(1);
    }
  });

  it('does not count a play again when it moves after it qualified', () => {
    const { rig } = twoRooms(LONG_MIX);
    rig.playTo('kitchen', 300);
    expect(rig.plays).toHaveLength(1);
    rig.clock.advance(1000);
    rig.change('kitchen', { state: 'stopped', track: null });
    rig.change('study', { state: 'playing', track: LONG_MIX, seek: 301 });
    rig.playTo('study', 900);
    expect(rig.plays.map((p) => p.zone)).toEqual(['Kitchen']);
  });

  it('moves a paused track as paused: one play once it plays on', () => {
    const { rig, start } = twoRooms();
    rig.playTo('kitchen', 100);
    rig.change('kitchen', { state: 'paused' });
    rig.clock.advance(120_000);
    rig.change('kitchen', { state: 'stopped', track: null });
    rig.change('study', { state: 'paused', track: TEARDROP, seek: 100 });
    rig.clock.advance(5000);
    rig.change('study', { state: 'playing' });
    rig.playTo('study', 160);
    expect(rig.plays.map((p) => [p.zone, p.startedAt])).toEqual([['Study', start]]);
  });

  it('counts a stream moved to another zone once, even though its position starts again', () => {
    const rig = new Rig();
    rig.set('kitchen', { name: 'Kitchen', state: 'playing', track: RADIO, seek: 0 });
    rig.set('study', { name: 'Study', state: 'stopped', track: null });
    rig.subscribe();
    const start = rig.clock.now();
    rig.playTo('kitchen', 120);
    rig.clock.advance(1000);
    rig.change('kitchen', { state: 'stopped', track: null });
    rig.change('study', { state: 'playing', track: RADIO, seek: 0 });
    rig.playTo('study', 130);
    expect(rig.plays.map((p) => [p.zone, p.startedAt])).toEqual([['Study', start]]);
  });

  it('is a new play, not a transfer, when another zone starts the same track from the beginning', () => {
    const { rig } = twoRooms();
    rig.playTo('kitchen', 100);
    rig.clock.advance(1000);
    rig.change('kitchen', { state: 'stopped', track: null });
    const second = rig.start('study', TEARDROP);
    rig.playTo('study', 150);
    expect(rig.plays.map((p) => [p.zone, p.startedAt, p.secondsListened])).toEqual([['Study', second, 150]]);
  });

  it('is a new play when the destination shows up after the hand-over window', () => {
    const { rig } = twoRooms();
    rig.playTo('kitchen', 100);
    rig.change('kitchen', { state: 'stopped', track: null });
    rig.clock.advance(45_000);
    const second = rig.start('study', TEARDROP, 145);
    rig.playTo('study', 300);
    expect(rig.plays).toHaveLength(1);
    // Started 145 s in and heard 155 s: a play of its own, dated from its own position.
    expect(rig.plays[0]).toMatchObject({ zone: 'Study', startedAt: second });
  });
});

describe('PlayDetector: streams whose position counts from tune-in', () => {
  const SONG_ONE: TrackDef = { title: 'Song One', artist: 'Radio Artist', length: null };
  const SONG_TWO: TrackDef = { title: 'Song Two', artist: 'Other Artist', length: null };

  it('dates the next song from the change Encore saw, not from now minus the seek', () => {
    const rig = new Rig();
    rig.connectPlaying('radio', SONG_ONE, 0, 'Radio');
    rig.playTo('radio', 600);
    rig.clock.advance(1000);
    rig.change('radio', { track: SONG_TWO, seek: 601 });
    const changeSeen = rig.clock.now() - 1000;
    rig.playTo('radio', 601 + 240);
    const two = rig.plays.find((p) => p.title === 'Song Two');
    expect(two?.startedAt).toBe(changeSeen);
    // The naive start would have been ten minutes earlier.
    expect(two!.startedAt - (rig.clock.now() - 841_000)).toBeGreaterThan(590_000);
  });

  it('dates a song after a reconnect no earlier than the last look at the zone before', () => {
    const rig = new Rig();
    rig.connectPlaying('radio', SONG_ONE, 0, 'Radio');
    rig.playTo('radio', 300);
    const lastLook = rig.clock.now();
    rig.detector.connectionLost();
    rig.clock.advance(60_000);
    rig.set('radio', { track: SONG_TWO, seek: 1200 });
    rig.subscribe();
    rig.playTo('radio', 1200 + 240);
    expect(rig.plays.find((p) => p.title === 'Song Two')?.startedAt).toBe(lastLook);
  });

  it('still dates a track with a length from its own position', () => {
    const rig = new Rig();
    rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 300);
    rig.clock.advance(1000);
    const second = rig.start('z1', ANGEL, 0);
    rig.playTo('z1', 190);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([rig.plays[0]!.startedAt, second]);
  });
});

describe('PlayDetector: the same track back at 0 through loading', () => {
  it('keeps one listen when an unfinished track goes through loading back to the start', () => {
    const rig = new Rig();
    const first = rig.connectPlaying('z1', TEARDROP);
    rig.playTo('z1', 120);
    rig.clock.advance(1000);
    rig.change('z1', { state: 'loading', seek: 0 });
    rig.clock.advance(1000);
    rig.change('z1', { state: 'playing', seek: 0 });
    rig.playTo('z1', 300);
    expect(rig.plays.map((p) => p.startedAt)).toEqual([first]);
  });

  it('counts two when the track had finished (a real replay), with or without a seek while loading', () => {
    for (const loadingSeek of [0, undefined]) {
      const rig = new Rig();
      const first = rig.connectPlaying('z1', TEARDROP);
      rig.playTo('z1', 298);
      rig.clock.advance(1000);
      rig.change('z1', { state: 'loading', seek: loadingSeek });
      rig.clock.advance(1000);
      const second = rig.start('z1', TEARDROP);
      rig.playTo('z1', 150);
      expect(rig.plays.map((p) => p.startedAt)).toEqual([first, second]);
    }
  });
});
