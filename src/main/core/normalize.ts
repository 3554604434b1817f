// Names normalised for matching the same listen across sources:
// case, diacritics, "feat." forms, punctuation and spacing are ignored.

const FEAT = /\s*[([]?\s*\b(?:feat|ft|featuring|with)\b\.?\s+[^)\]]*[)\]]?\s*$/i;
const FEAT_INNER = /\s+[([]\s*(?:feat|ft|featuring)\.?\s+[^)\]]*[)\]]/gi;

export function normalizeName(value: string): string {
  let s = value.normalize('NFKD').replace(/\p{M}+/gu, '');
  s = s.replace(FEAT_INNER, ' ');
  s = s.replace(/\s+(?:feat|ft|featuring)\.?\s+.*$/i, '');
  s = s.toLowerCase();
  s = s.replace(/&/g, ' and ');
  s = s.replace(/[^\p{L}\p{N}]+/gu, ' ');
  return s.trim().replace(/\s+/g, ' ');
}

/** Artist strings list collaborators in many ways; the first credited artist is the stable part. */
export function normalizeArtist(value: string): string {
  const first = value.split(/\s*(?:\/|;|,|\bfeat\.?\b|\bft\.?\b|\bfeaturing\b|\s&\s|\s[x×]\s)\s*/i)[0] ?? value;
  const n = normalizeName(first);
  return n || normalizeName(value);
}

export { FEAT };
