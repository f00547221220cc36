// Citation formats for a paper: BibTeX for the copy button, citation_* meta
// tags for Zotero and other reference managers. Pure functions.
import type { Paper } from '../../db/paper.ts';

/** The year a paper belongs to: first submission, else the id's month. */
export function paperYear(p: Paper): string | null {
  const d = p.published ?? p.updated;
  if (d) return d.slice(0, 4);
  const m = /^(\d{2})\d{2}\./.exec(p.id) ?? /\/(\d{2})\d{5}$/.exec(p.id);
  if (!m) return null;
  const yy = Number(m[1]);
  return String(yy >= 91 ? 1900 + yy : 2000 + yy);
}

function bibEscape(s: string): string {
  // Braces must balance inside a BibTeX field; drop the rare stray ones.
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

export function bibtexKey(p: Paper): string {
  const last = (p.authors[0] ?? 'anon').split(/\s+/).pop() ?? 'anon';
  const word = (p.title.match(/[A-Za-z]{4,}/) ?? ['paper'])[0];
  const clean = (s: string) => s.normalize('NFKD').replace(/[^A-Za-z0-9]/g, '');
  return `${clean(last).toLowerCase() || 'anon'}${paperYear(p) ?? ''}${clean(word).toLowerCase()}`;
}

export function bibtex(p: Paper): string {
  const fields: [string, string | null][] = [
    ['title', p.title],
    ['author', p.authors.join(' and ') || null],
    ['year', paperYear(p)],
    ['eprint', p.id],
    ['archivePrefix', 'arXiv'],
    ['primaryClass', p.categories[0] ?? null],
    ['doi', p.doi],
    ['journal', p.journalRef],
    ['url', `https://arxiv.org/abs/${p.id}`],
  ];
  const body = fields
    .filter((f): f is [string, string] => !!f[1])
    .map(([k, v]) => `  ${k} = {${bibEscape(v.replace(/\s+/g, ' '))}}`)
    .join(',\n');
  return `@misc{${bibtexKey(p)},\n${body}\n}`;
}

/** `citation_*` meta tags (Highwire Press names, which Zotero reads) as name/content pairs. */
export function citationMeta(p: Paper): [string, string][] {
  const tags: [string, string][] = [['citation_title', p.title]];
  for (const a of p.authors) tags.push(['citation_author', a]);
  const date = p.published ?? paperYear(p);
  if (date) tags.push(['citation_date', date.replaceAll('-', '/')]);
  if (p.published) tags.push(['citation_online_date', p.published.replaceAll('-', '/')]);
  tags.push(['citation_arxiv_id', p.id]);
  tags.push(['citation_pdf_url', `https://arxiv.org/pdf/${p.id}`]);
  tags.push(['citation_abstract_html_url', `https://arxiv.org/abs/${p.id}`]);
  if (p.doi) tags.push(['citation_doi', p.doi]);
  if (p.journalRef) tags.push(['citation_journal_title', p.journalRef]);
  tags.push(['citation_abstract', p.abstract]);
  return tags;
}
