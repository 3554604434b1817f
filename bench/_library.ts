// A synthetic listening history for the explore benchmark: 8,000 artists,
// 50,000 tracks, plays spread over eight years with a skewed (Zipf-like)
// taste, some multi-artist credits and names with diacritics.
import type { NewPlay } from '../src/main/db/plays';

const SYLLABLES = ['ka', 'ro', 'mi', 'lu', 'sé', 'an', 'to', 'ví', 'ne', 'da', 'ré', 'sol', 'mar', 'björ', 'el', 'ri', 'on', 'ça', 'us', 'ly'];
const WORDS = ['love', 'night', 'river', 'blue', 'heart', 'fire', 'dream', 'city', 'light', 'rain', 'summer', 'gold', 'road', 'home', 'sky', 'ocean', 'song', 'dance', 'star', 'time'];

/** Deterministic PRNG (mulberry32): the same library every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function name(rnd: () => number, parts: number): string {
  let s = '';
  for (let i = 0; i < parts; i++) s += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface LibraryTrack {
  artist: string;
  title: string;
  album: string;
  length: number;
}

export interface Library {
  artists: string[];
  tracks: LibraryTrack[];
}

export function makeLibrary(artistCount = 8_000, trackCount = 50_000, seed = 7): Library {
  const rnd = random(seed);
  const artists = Array.from({ length: artistCount }, (_, i) => `${name(rnd, 2 + (i % 2))} ${name(rnd, 2)} ${i}`);
  const tracks: LibraryTrack[] = [];
  for (let i = 0; i < trackCount; i++) {
    const a = i % artistCount;
    let artist = artists[a]!;
    // One track in ten credits a second artist, as Roon ("A / B") or as a guest.
    if (i % 10 === 3) artist = `${artist} / ${artists[(a * 31 + 7) % artistCount]!}`;
    if (i % 10 === 7) artist = `${artist} feat. ${artists[(a * 17 + 3) % artistCount]!}`;
    const title = `${WORDS[Math.floor(rnd() * WORDS.length)]} ${WORDS[Math.floor(rnd() * WORDS.length)]} ${name(rnd, 2)} ${i}`;
    tracks.push({ artist, title, album: `${name(rnd, 3)} ${Math.floor(i / 12)}`, length: 150 + Math.floor(rnd() * 200) });
  }
  return { artists, tracks };
}

/**
 * `count` plays in time order from `from` to `to`, tracks picked with a
 * skewed taste (a few tracks played often, most rarely), every track at least once.
 */
export function makePlays(library: Library, count: number, from: number, to: number, seed = 11): NewPlay[] {
  const rnd = random(seed);
  const n = library.tracks.length;
  const plays: NewPlay[] = new Array<NewPlay>(count);
  const step = (to - from) / count;
  for (let i = 0; i < count; i++) {
    // The first n plays go once through the library (in a shuffled order), so every track is played.
    const t = i < n ? (i * 7_919) % n : Math.floor(n * Math.pow(rnd(), 2.2));
    const track = library.tracks[t]!;
    const roon = rnd() < 0.7;
    plays[i] = {
      artist: track.artist,
      title: track.title,
      album: track.album,
      lengthSeconds: roon ? track.length : null,
      startedAt: Math.floor(from + step * i),
      secondsListened: roon ? Math.floor(track.length * (0.5 + rnd() / 2)) : null,
      zone: roon ? (['Living Room', 'Kitchen', 'Study'][Math.floor(rnd() * 3)] ?? null) : null,
      source: roon ? 'roon' : 'lastfm',
    };
  }
  return plays;
}
