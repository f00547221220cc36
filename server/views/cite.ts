// Citation formats for a paper: BibTeX for the copy button, citation_* meta
// tags for Zotero and other reference managers. Pure functions.
import { authorName, paperDate, type Paper } from '../../db/paper.ts';
import { splitTeX } from '../../lib/tex.ts';
import { plainText, texToUnicode } from '../../lib/textex.ts';

/**
 * The year a paper belongs to (paperDate): its first version's date when
 * known, else the month its id encodes, else the ingest. Never the last
 * update (a 2011 paper revised in 2016 is cited as 2011).
 */
export function paperYear(p: Pick<Paper, 'id' | 'published' | 'seenAt'>): string {
  return paperDate(p).date.slice(0, 4);
}

/** paperDate as `YYYY/MM/DD`, or `YYYY/MM` when only the id's month is known. */
export function citationDate(p: Pick<Paper, 'id' | 'published' | 'seenAt'>): string {
  return paperDate(p).date.replaceAll('-', '/');
}

/** Characters LaTeX reads as commands in running text, with the escape BibTeX entries use. */
const BIB_SPECIALS: Record<string, string> = { '&': '\\&', '%': '\\%', '#': '\\#', _: '\\_', $: '\\$' };

/** Braces balanced: stray closing ones dropped, open ones closed at the end. */
function balanced(s: string): string {
  let depth = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '{') depth++;
    if (ch === '}') {
      if (depth === 0) continue;
      depth--;
    }
    out += ch;
  }
  return out + '}'.repeat(depth);
}

/**
 * A field value that BibTeX and LaTeX read back as the text shown on the page:
 * prose as Unicode with LaTeX's special characters escaped, formulas kept as
 * `$…$` source, braces balanced so the field cannot end early.
 */
export function bibValue(text: string): string {
  const out = splitTeX(text.replace(/\s+/g, ' ').trim())
    .map((seg) => {
      if (seg.kind !== 'text') return seg.source;
      return texToUnicode(seg.text)
        .replace(/[{}\\]/g, '')
        .replace(/[&%#_$]/g, (c) => BIB_SPECIALS[c]);
    })
    .join('');
  return balanced(out);
}

export function bibtexKey(p: Paper): string {
  const first = authorName(p.authors[0] ?? '') || 'anon';
  const last = first.split(/\s+/).pop() ?? 'anon';
  const words = plainText(p.title).normalize('NFKD').match(/[A-Za-z]{4,}/);
  const clean = (s: string) => s.normalize('NFKD').replace(/[^A-Za-z0-9]/g, '');
  return `${clean(last).toLowerCase() || 'anon'}${paperYear(p) ?? ''}${clean(words?.[0] ?? 'paper').toLowerCase()}`;
}

export function bibtex(p: Paper): string {
  const authors = p.authors.map(authorName).filter(Boolean);
  const fields: [string, string | null][] = [
    ['title', bibValue(p.title)],
    ['author', authors.length ? authors.map(bibValue).join(' and ') : null],
    ['year', paperYear(p)],
    ['eprint', p.id],
    ['archivePrefix', 'arXiv'],
    ['primaryClass', p.categories[0] ?? null],
    ['doi', p.doi],
    ['journal', p.journalRef ? bibValue(p.journalRef) : null],
    ['url', `https://arxiv.org/abs/${p.id}`],
  ];
  const body = fields
    .filter((f): f is [string, string] => !!f[1])
    .map(([k, v]) => `  ${k} = {${v}}`)
    .join(',\n');
  return `@misc{${bibtexKey(p)},\n${body}\n}`;
}

/** `citation_*` meta tags (Highwire Press names, which Zotero reads) as name/content pairs, in plain text. */
export function citationMeta(p: Paper): [string, string][] {
  const tags: [string, string][] = [['citation_title', plainText(p.title)]];
  for (const a of p.authors) {
    const name = authorName(a);
    if (name) tags.push(['citation_author', name]);
  }
  tags.push(['citation_date', citationDate(p)]);
  if (p.published) tags.push(['citation_online_date', p.published.replaceAll('-', '/')]);
  tags.push(['citation_arxiv_id', p.id]);
  tags.push(['citation_pdf_url', `https://arxiv.org/pdf/${p.id}`]);
  tags.push(['citation_abstract_html_url', `https://arxiv.org/abs/${p.id}`]);
  if (p.doi) tags.push(['citation_doi', p.doi]);
  if (p.journalRef) tags.push(['citation_journal_title', plainText(p.journalRef)]);
  tags.push(['citation_abstract', plainText(p.abstract)]);
  return tags;
}
