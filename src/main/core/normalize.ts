// Names normalised for matching the same listen across sources:
// case, diacritics, "feat." forms, punctuation and spacing are ignored.

/** "(feat. X)", "[ft. X]", "(featuring X)", "(with X)": a credit, not part of the title. */
const FEAT_BRACKETED = /\s*[([]\s*(?:feat|ft|featuring|with)\b\.?\s+[^)\]]*[)\]]/gi;
/** "Title feat. X" / "Artist ft X" to the end. Bare "with" is left alone: "Stay With Me". */
const FEAT_TRAILING = /\s+(?:feat|ft|featuring)\b\.?\s+.*$/i;
/** Letters that Unicode does not decompose into a base letter and a mark. */
const UNDECOMPOSED: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function normalizeName(value: string): string {
  let s = value;
  // Most names are plain ASCII: skip the Unicode work (this runs several times per play ingested).
  if (!PRINTABLE_ASCII.test(s)) {
    s = s.normalize('NFKD').replace(/\p{M}+/gu, '');
  }
  s = s.replace(FEAT_BRACKETED, ' ').replace(FEAT_TRAILING, '').toLowerCase();
  if (!PRINTABLE_ASCII.test(s)) s = s.replace(/[øæœßłđðþı]/g, (c) => UNDECOMPOSED[c] ?? c);
  // "Don't" and "Dont" are the same word; "Rock & Roll", "Rock + Roll" and "Rock and Roll" the same title.
  s = s.replace(/['’‘`´]/g, '').replace(/[&+]/g, ' and ');
  return s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

// "&", "+" and "and" join names the same way ("Simon & Garfunkel", "Florence +
// the Machine"): each side of a pair may use any of them, so all three split.
const ARTIST_SEPARATORS = /\s*(?:\/|;|,|\bfeat\b\.?|\bft\b\.?|\bfeaturing\b|\bvs\b\.?|\s&\s|\s\+\s|\sand\s|\s[x×]\s)\s*/i;
/** Library sort order: "Beatles, The". */
const THE_SUFFIX = /,\s*the\s*$/i;

/**
 * Artist strings list collaborators in many ways; the first credited artist is
 * the stable part. A leading "The" is dropped: "The Beatles", "Beatles, The"
 * and "Beatles" all name one band.
 */
export function normalizeArtist(value: string): string {
  const unsorted = THE_SUFFIX.test(value) ? value.replace(THE_SUFFIX, '') : value;
  const first = unsorted.split(ARTIST_SEPARATORS)[0] ?? unsorted;
  const n = normalizeName(first) || normalizeName(value);
  return n.startsWith('the ') && n.length > 4 ? n.slice(4) : n;
}

// A remaster or version tag says which master was played, not what: one side
// of a pair often has it and the other not ("Come Together - Remastered
// 2009", "Come Together (2009 Remaster)", "Come Together").
const VERSION_WORDS = String.raw`(?:remaster(?:ed)?|re-?master(?:ed)?|version|edit|mono|stereo|mix|bonus\s+track|deluxe|anniversary|single)`;
const VERSION_BRACKETED = new RegExp(String.raw`\s*[([][^)\]]*\b${VERSION_WORDS}\b[^)\]]*[)\]]`, 'gi');
const VERSION_DASHED = new RegExp(String.raw`\s+[-–—]\s+[^-–—]*\b${VERSION_WORDS}\b[^-–—]*$`, 'i');
/** A cheap first test: most titles have no tag at all. */
const MAYBE_VERSION = /remaster|version|edit|mono|stereo|mix|bonus|deluxe|anniversary|single/i;

/** The title without its remaster/version tags ("Song - 2009 Remaster" → "Song"). */
export function stripVersion(title: string): string {
  if (!MAYBE_VERSION.test(title)) return title;
  const s = title.replace(VERSION_BRACKETED, '').replace(VERSION_DASHED, '').trim();
  return s || title;
}

// Classical titles name a work and a movement: "Goldberg Variations, BWV
// 988: Aria", "Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio". One
// source credits the composer, the other the performers; one sends the whole
// title, the other the movement alone.
const WORK_MARKERS =
  /\b(?:bwv|op|opus|k|kv|hob|rv|hwv|wwv|woo|sz|no|nr|d)\.?\s*[0-9ivxlc]|\b(?:symphon|concert|sonat|suite|quartet|quintet|trio|prelud|fugue|variation|mass|messe|requiem|cantata|kantate|etude|étude|nocturne|partita|overture|ouverture|serenade|impromptu|mazurka|polonaise|ballade|scherzo|divertiment|magnificat|oratori)/i;
const MOVEMENT_NUMBER = /^\s*(?:[ivxlc]+|\d+)\s*[.:)]\s+/i;
/** Between the work and the movement key, in a match key. */
export const MOVEMENT_SEPARATOR = '\u0002';

/** Work and movement of a classical title, or null for any other title. */
export function splitWork(title: string): { work: string; movement: string } | null {
  let at = title.lastIndexOf(':');
  let width = 1;
  if (at < 0) {
    // "Symphony No. 5, Op. 67 - I. Allegro con brio"
    const dash = /\s[-–—]\s+(?=(?:[ivxlc]+|\d+)\.\s)/i.exec(title);
    if (!dash) return null;
    at = dash.index;
    width = dash[0].length;
  }
  const work = title.slice(0, at).trim();
  const movement = title.slice(at + width).trim();
  if (!work || !movement) return null;
  if (!WORK_MARKERS.test(work) && !MOVEMENT_NUMBER.test(movement)) return null;
  return { work, movement: movement.replace(MOVEMENT_NUMBER, '') };
}

/**
 * The title part of a match key: normalised, without version tags; for a
 * classical title, work and movement apart (MOVEMENT_SEPARATOR between them),
 * so that the movement alone can be matched.
 */
export function titleKey(title: string): string {
  const bare = stripVersion(title);
  const parts = bare.indexOf(':') >= 0 || bare.indexOf(' - ') >= 0 || bare.indexOf(' – ') >= 0 ? splitWork(bare) : null;
  if (parts) {
    const work = normalizeName(parts.work);
    const movement = normalizeName(parts.movement);
    if (work && movement) return `${work}${MOVEMENT_SEPARATOR}${movement}`;
  }
  return normalizeName(bare);
}
