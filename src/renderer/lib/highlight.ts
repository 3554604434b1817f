// Which parts of a name a search matched, to mark them in the results. The
// rule mirrors the search index (SQLite FTS5, unicode61 with diacritics
// removed): a query word matches the start of any word in the text, ignoring
// case and accents, so "beyo" marks "Beyo" in "Beyoncé" and "cafe" marks "Café".

export interface TextRange {
  start: number;
  end: number;
}

export interface Segment {
  text: string;
  mark: boolean;
}

// Combining marks belong to their word, as in the index's tokenizer (everything but spaces and punctuation).
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** Lower case without accents, one code point at a time (so lengths can be mapped back). */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of a query, folded, longest first so the longest prefix wins. */
export function queryWords(query: string): string[] {
  const words = [...new Set((fold(query).match(WORD) ?? []).filter(Boolean))];
  return words.sort((a, b) => b.length - a.length);
}

/** Ranges (UTF-16 offsets into `text`) of every word start that one of the query's words is a prefix of. */
export function matchRanges(text: string, query: string): TextRange[] {
  const words = queryWords(query);
  if (!words.length || !text) return [];
  const ranges: TextRange[] = [];
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const folded = fold(word);
    const hit = words.find((w) => folded.startsWith(w));
    if (!hit) continue;
    // Walk the original characters until their folded form covers the query
    // word: "É" folds to "e", "ß" stays one character, "ﬁ" folds to two.
    let covered = 0;
    let end = 0;
    for (const ch of word) {
      // Past the prefix, only marks that fold to nothing still belong to its last letter.
      if (covered >= hit.length && fold(ch).length > 0) break;
      covered += fold(ch).length;
      end += ch.length;
    }
    ranges.push({ start: m.index, end: m.index + end });
  }
  return ranges;
}

/** `text` cut into plain and marked pieces; ranges may overlap, be unsorted or overshoot. */
export function segments(text: string, ranges: readonly TextRange[]): Segment[] {
  const sorted = ranges
    .map((r) => ({ start: Math.max(0, Math.min(text.length, r.start)), end: Math.max(0, Math.min(text.length, r.end)) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const merged: TextRange[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const out: Segment[] = [];
  let at = 0;
  for (const r of merged) {
    if (r.start > at) out.push({ text: text.slice(at, r.start), mark: false });
    out.push({ text: text.slice(r.start, r.end), mark: true });
    at = r.end;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), mark: false });
  return out;
}
