// Atom feeds for listings and searches. Titles and abstracts go out as text
// (TeX source kept): feed readers cannot be trusted to render our SVG.
import { authorName, type Paper } from '../../db/paper.ts';
import { plainText } from '../../lib/textex.ts';

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

function atomDate(d: string | null): string {
  if (!d) return new Date(0).toISOString();
  return /^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d}T00:00:00Z` : /^\d{4}-\d{2}$/.test(d) ? `${d}-01T00:00:00Z` : new Date(0).toISOString();
}

export function atomFeed(f: FeedSpec): string {
  const newest = f.papers.map((p) => p.updated ?? p.published ?? '').sort().pop() || null;
  const updated = f.updated ?? (newest ? atomDate(newest) : new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
  const entries = f.papers.map((p) => {
    const url = `${f.origin}/arxiv/${p.id}`;
    return [
      '  <entry>',
      `    <id>${xmlEscape(url)}</id>`,
      `    <title>${xmlEscape(plainText(p.title))}</title>`,
      `    <link rel="alternate" type="text/html" href="${xmlEscape(url)}"/>`,
      `    <link rel="related" type="application/pdf" href="https://arxiv.org/pdf/${xmlEscape(p.id)}"/>`,
      `    <updated>${atomDate(p.updated ?? p.published)}</updated>`,
      p.published ? `    <published>${atomDate(p.published)}</published>` : '',
      ...p.authors.map((a) => `    <author><name>${xmlEscape(authorName(a))}</name></author>`),
      ...p.categories.map((c) => `    <category term="${xmlEscape(c)}"/>`),
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
