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
  // "Don't" and "Dont" are the same word; "Rock & Roll" and "Rock and Roll" the same title.
  s = s.replace(/['’‘`´]/g, '').replace(/&/g, ' and ');
  return s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

const ARTIST_SEPARATORS = /\s*(?:\/|;|,|\bfeat\b\.?|\bft\b\.?|\bfeaturing\b|\bvs\b\.?|\s&\s|\s[x×]\s)\s*/i;

/** Artist strings list collaborators in many ways; the first credited artist is the stable part. */
export function normalizeArtist(value: string): string {
  const first = value.split(ARTIST_SEPARATORS)[0] ?? value;
  const n = normalizeName(first);
  return n || normalizeName(value);
}
