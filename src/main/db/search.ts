// Search as you type: the query's words become an FTS5 prefix query over the
// track_search index (artist, title, album; unicode61 with diacritics
// removed), and the matches are marked in the shown strings the same way:
// a word matches where a word of the text starts with it, case and
// diacritics ignored.
import type { Ranges } from '../../shared/explore';

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** Lower case without diacritics, as the index's tokenizer sees a word. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** The query's words, folded; empty when there is nothing to search for. */
export function searchWords(q: string): string[] {
  const words = q.normalize('NFC').match(WORD) ?? [];
  return words.map(fold).filter((w) => w.length > 0);
}

/** An FTS5 MATCH expression: every word, as a prefix, in any of the columns. */
export function matchExpression(words: readonly string[]): string {
  // Words hold letters and digits only, so quoting them is enough to keep FTS5 syntax out.
  return words.map((w) => `"${w}"*`).join(' ');
}

/** Where the words match `text`: [start, end) UTF-16 ranges, in order, merged where they touch. */
export function highlightRanges(text: string, words: readonly string[]): Ranges {
  const ranges: Array<[number, number]> = [];
  if (!words.length || !text) return ranges;
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const folded = fold(word);
    let best = 0;
    for (const w of words) if (w.length > best && folded.startsWith(w)) best = w.length;
    if (!best) continue;
    // Walk the original characters until their folded form covers the match.
    let covered = 0;
    let end = 0;
    for (const ch of word) {
      if (covered >= best) break;
      covered += fold(ch).length;
      end += ch.length;
    }
    // Combining marks that follow belong to the last matched letter.
    while (end < word.length && /\p{M}/u.test(word[end]!)) end++;
    const start = m.index;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === start) last[1] = start + end;
    else ranges.push([start, start + end]);
  }
  return ranges;
}
