// Atom feeds for listings and searches. Titles and abstracts go out as text
// (TeX source kept): feed readers cannot be trusted to render our SVG.
import { authorName, paperDate, type Paper } from '../../db/paper.ts';
import { plainText } from '../../lib/textex.ts';
import { categoryName, displayCategories } from '../../db/taxonomy.ts';

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids outright are dropped, the rest escaped.
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

export interface FeedSpec {
  origin: string;
  id: string;
  title: string;
  selfPath: string;
  htmlPath: string;
  papers: readonly Paper[];
  updated?: string;
}

/** An entry's `published` (paperDate) and `updated` (the latest version's day when known and later, else the same). */
function entryDates(p: Paper): { published: string; updated: string } {
  const published = paperDate(p).iso;
  const updated = p.updated && /^\d{4}-\d{2}-\d{2}$/.test(p.updated) ? `${p.updated}T00:00:00Z` : published;
  return { published, updated: updated > published ? updated : published };
}

export function atomFeed(f: FeedSpec): string {
  const dated = f.papers.map((p) => ({ p, d: entryDates(p) }));
  const newest = dated.map(({ d }) => d.updated).sort().pop() ?? null;
  const updated = f.updated ?? newest ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const entries = dated.map(({ p, d }) => {
    const url = `${f.origin}/arxiv/${p.id}`;
    return [
      '  <entry>',
      `    <id>${xmlEscape(url)}</id>`,
      `    <title>${xmlEscape(plainText(p.title))}</title>`,
      `    <link rel="alternate" type="text/html" href="${xmlEscape(url)}"/>`,
      `    <link rel="related" type="application/pdf" href="https://arxiv.org/pdf/${xmlEscape(p.id)}"/>`,
      `    <updated>${d.updated}</updated>`,
      `    <published>${d.published}</published>`,
      ...p.authors.map((a) => `    <author><name>${xmlEscape(authorName(a))}</name></author>`),
      ...displayCategories(p.categories).map((c) => {
        const name = categoryName(c);
        return `    <category term="${xmlEscape(c)}"${name ? ` label="${xmlEscape(name)}"` : ''}/>`;
      }),
      `    <summary type="text">${xmlEscape(plainText(p.abstract))}</summary>`,
      '  </entry>',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlEscape(f.id)}</id>`,
    `  <title>${xmlEscape(f.title)}</title>`,
    `  <updated>${updated}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(f.origin + f.selfPath)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlEscape(f.origin + f.htmlPath)}"/>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
