// Where the math is in a title or abstract. One splitter for everyone who
// needs to know — the typesetter (server/math/), the highlighter
// (search/highlight.ts), the translator's placeholders (server/translate.ts) —
// so they never disagree about which characters form a formula. Pure.

/**
 * `source` is the exact input span, delimiters included; `text` is prose as a
 * reader sees it (`\$` becomes `$`); `tex` is the formula without delimiters.
 */
export type TexSegment =
  | { kind: 'text'; text: string; source: string }
  | { kind: 'math'; tex: string; display: boolean; source: string };

const OPENERS: ReadonlyArray<{ open: string; close: string; display: boolean }> = [
  { open: '$$', close: '$$', display: true },
  { open: '\\[', close: '\\]', display: true },
  { open: '\\(', close: '\\)', display: false },
  { open: '$', close: '$', display: false },
];

/**
 * Splits text into prose and formulas delimited by `$…$`, `$$…$$`, `\(…\)`
 * or `\[…\]`. `\$` is a literal dollar sign. A delimiter without its closing
 * partner stays prose (abstracts do contain lone dollar signs), as does an
 * empty formula.
 */
export function splitTeX(input: string): TexSegment[] {
  const out: TexSegment[] = [];
  let text = '';
  let source = '';
  let i = 0;
  const flush = () => {
    if (source) out.push({ kind: 'text', text, source });
    text = '';
    source = '';
  };
  while (i < input.length) {
    const ch = input[i];
    if (ch === '\\' && input[i + 1] === '$') {
      text += '$';
      source += '\\$';
      i += 2;
      continue;
    }
    if (ch === '$' || (ch === '\\' && (input[i + 1] === '(' || input[i + 1] === '['))) {
      const d = OPENERS.find((o) => input.startsWith(o.open, i));
      if (d) {
        const start = i + d.open.length;
        const end = findClose(input, start, d.close);
        if (end > start && input.slice(start, end).trim()) {
          flush();
          const tex = input.slice(start, end);
          out.push({ kind: 'math', tex: tex.trim(), display: d.display, source: d.open + tex + d.close });
          i = end + d.close.length;
          continue;
        }
      }
    }
    text += ch;
    source += ch;
    i++;
  }
  flush();
  return out;
}

function findClose(s: string, from: number, close: string): number {
  for (let j = from; j < s.length; j++) {
    if (s[j] === '\\') {
      if (close !== '$' && close !== '$$' && s.startsWith(close, j)) return j;
      j++; // skip the escaped character (\$ inside math is not a delimiter)
      continue;
    }
    if (s.startsWith(close, j)) {
      // `$$` never closes an inline `$` formula: a single `$` does.
      if (close === '$' && s[j + 1] === '$') return -1;
      return j;
    }
  }
  return -1;
}
