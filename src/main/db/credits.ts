// Multi-artist credits: every artist a track credits counts for that artist in
// charts and on its page. The rule (see README, "Credits"):
//
// - The artist field splits on " / " (Roon's separator), ";" and the featuring
//   forms "feat." / "feat" / "ft." / "ft" / "featuring", plus "vs." / "vs".
// - Inside a featuring part, ", " and " & " split too ("A feat. B & C" credits
//   B and C): a guest list is a list.
// - Everywhere else "&", "and", "," and "x" do NOT split: "Simon & Garfunkel",
//   "Earth, Wind & Fire", "Tyler, the Creator" and "Lil Nas X" are one artist
//   each, and a band name is far more often joined by "&" than two artists are.
// - "/" without spaces does not split ("AC/DC").
// - A title's "(feat. X)", "[ft. X]", "(featuring X)" or trailing "feat. X"
//   credits X as well (Last.fm and Roon both put guests there).
//
// Written by the ingest, so prepared statements like the rest of it (see
// play-ingest.ts for the figure).
import type BetterSqlite3 from 'better-sqlite3';
import { normalizeName } from '../core/normalize';

export interface Credit {
  name: string;
  /** From the artist field's main part (not a guest): what an album is credited to. */
  main: boolean;
}

const MAIN_SEPARATORS = /\s+\/\s+|\s*;\s*|\s+vs\.?\s+/i;
const FEATURING = /\s+(?:\(|\[)?\s*(?:feat\.?|ft\.?|featuring)\s+/i;
const GUEST_SEPARATORS = /\s*,\s+|\s+&\s+|\s+\/\s+|\s*;\s*/;
const TITLE_FEAT_BRACKETED = /[([]\s*(?:feat\.?|ft\.?|featuring)\s+([^)\]]+)[)\]]/gi;
const TITLE_FEAT_TRAILING = /\s(?:feat\.?|ft\.?|featuring)\s+(.+)$/i;

function clean(part: string): string {
  return part.replace(/^[\s([]+|[\s)\]]+$/g, '').trim();
}

/** The artists a play credits, in credit order, each once (by normalised name). */
export function splitCredits(artist: string, title: string): Credit[] {
  const out: Credit[] = [];
  const seen = new Set<string>();
  const add = (raw: string, main: boolean) => {
    const name = clean(raw);
    const norm = normalizeName(name);
    if (!name || !norm || seen.has(norm)) return;
    seen.add(norm);
    out.push({ name, main });
  };
  const feat = FEATURING.exec(artist);
  const mainPart = feat ? artist.slice(0, feat.index) : artist;
  const guestPart = feat ? artist.slice(feat.index + feat[0].length) : '';
  for (const part of mainPart.split(MAIN_SEPARATORS)) add(part, true);
  if (guestPart) for (const part of guestPart.split(GUEST_SEPARATORS)) add(part, false);
  let bracketed = false;
  for (const m of title.matchAll(TITLE_FEAT_BRACKETED)) {
    bracketed = true;
    for (const part of m[1]!.split(GUEST_SEPARATORS)) add(part, false);
  }
  if (!bracketed) {
    const trailing = TITLE_FEAT_TRAILING.exec(title);
    if (trailing) for (const part of trailing[1]!.split(GUEST_SEPARATORS)) add(part, false);
  }
  // A field of separators only ("/"): the whole string is the artist.
  if (out.length === 0 && artist.trim()) out.push({ name: artist.trim(), main: true });
  return out;
}

/** What the search index holds as a track's artist: the field, and credited names it does not spell out (a guest in the title). */
export function searchArtistText(artist: string, credits: readonly Credit[]): string {
  const extra = credits.map((c) => c.name).filter((name) => !artist.includes(name));
  return extra.length ? `${artist} ${extra.join(' ')}` : artist;
}

/** The normalised key of a credited artist: the same person however spelt. */
export function creditKey(name: string): string {
  return normalizeName(name) || name.trim().toLowerCase();
}

export interface NewTrack {
  id: number;
  /** The artist field as the play that created the track had it ("A feat. B"). */
  artist: string;
  title: string;
  album: string | null;
}

/**
 * Writes the credits and the search entry of newly stored tracks (the ingest
 * path calls it inside its transaction, so a track never exists without
 * them). The search entry holds the artist field as played plus every credited
 * name: "A feat. B" is stored under A's artist row, and "b" must still find it.
 * Credited artists are only ever added, so their ids are cached by key.
 */
export class CreditWriter {
  private readonly ids = new Map<string, number>();
  private readonly select: BetterSqlite3.Statement<unknown[], unknown>;
  private readonly insert: BetterSqlite3.Statement<unknown[], unknown>;
  private readonly link: BetterSqlite3.Statement<unknown[], unknown>;
  private readonly search: BetterSqlite3.Statement<unknown[], unknown>;

  constructor(raw: BetterSqlite3.Database) {
    this.select = raw.prepare('SELECT id FROM credited_artists WHERE name_norm = ?').pluck();
    this.insert = raw.prepare('INSERT INTO credited_artists (name, name_norm) VALUES (?, ?)');
    this.link = raw.prepare('INSERT OR IGNORE INTO track_artists (track_id, artist_id, position, main) VALUES (?, ?, ?, ?)');
    this.search = raw.prepare('INSERT INTO track_search (rowid, artist, title, album) VALUES (?, ?, ?, ?)');
  }

  write(tracks: readonly NewTrack[]): void {
    for (const track of tracks) {
      const credits = splitCredits(track.artist, track.title);
      credits.forEach((credit, position) => {
        this.link.run(track.id, this.artistId(credit.name), position, credit.main ? 1 : 0);
      });
      this.search.run(track.id, searchArtistText(track.artist, credits), track.title, track.album ?? '');
    }
  }

  /** Forget cached ids (a rolled-back transaction may have made some of them up). */
  reset(): void {
    this.ids.clear();
  }

  private artistId(name: string): number {
    const key = creditKey(name);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.select.get(key) as number | undefined;
      if (id === undefined) id = Number(this.insert.run(name, key).lastInsertRowid);
      this.ids.set(key, id);
    }
    return id;
  }
}
