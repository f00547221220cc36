// arXiv API (export.arxiv.org/api/query) Atom feeds, 2016 and 2026 formats,
// mapped to Paper. Pure: text in, papers out.
import { type Paper, isoDate, normalizeSpace, parseArxivId, splitCategories } from '../../db/paper.ts';
import { ArxivProtocolError, MalformedPageError } from './errors.ts';
import { type XmlNode, attrOf, listOf, nodeOf, parseXml, textOf } from './xml.ts';

export interface AtomPage {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  papers: Paper[];
}

function orNull(s: string): string | null {
  const t = normalizeSpace(s);
  return t ? t : null;
}

function intOf(v: unknown, what: string): number {
  const s = textOf(v).trim();
  if (!/^\d+$/.test(s)) throw new MalformedPageError(`arXiv API: missing or bad ${what}`);
  return Number(s);
}

/** The API reports errors as a feed with one entry titled "Error". */
function isErrorEntry(e: XmlNode): boolean {
  return textOf(e.title).trim() === 'Error' && textOf(e.id).includes('/api/errors');
}

export function paperFromEntry(e: XmlNode): Paper | null {
  const parsed = parseArxivId(textOf(e.id));
  if (!parsed) return null;
  const primary = attrOf(nodeOf(e.primary_category), 'term');
  const terms = listOf(e.category).map((c) => attrOf(c, 'term'));
  return {
    id: parsed.id,
    version: parsed.version,
    title: normalizeSpace(textOf(e.title)),
    abstract: normalizeSpace(textOf(e.summary)),
    authors: listOf(e.author)
      .map((a) => normalizeSpace(textOf(nodeOf(a)?.name)))
      .filter(Boolean),
    categories: splitCategories([primary, ...terms]),
    published: isoDate(textOf(e.published)),
    updated: isoDate(textOf(e.updated)),
    comments: orNull(textOf(e.comment)),
    journalRef: orNull(textOf(e.journal_ref)),
    doi: orNull(textOf(e.doi)),
    license: orNull(textOf(e.license)),
  };
}

/** Parses one API response; an error entry becomes an ArxivProtocolError. */
export function parseAtomPage(body: string): AtomPage {
  const doc = parseXml(body, 'arXiv API');
  const feed = nodeOf(doc.feed);
  if (!feed) throw new MalformedPageError('arXiv API: not an Atom feed');
  const entries = listOf(feed.entry).flatMap((e): XmlNode[] => { const n = nodeOf(e); return n ? [n] : []; });
  const err = entries.find(isErrorEntry);
  if (err) throw new ArxivProtocolError(`arXiv API error: ${normalizeSpace(textOf(err.summary)) || 'unknown'}`, 'api');
  const papers = entries.flatMap((e) => paperFromEntry(e) ?? []);
  return {
    totalResults: intOf(feed.totalResults, 'totalResults'),
    startIndex: intOf(feed.startIndex, 'startIndex'),
    itemsPerPage: intOf(feed.itemsPerPage, 'itemsPerPage'),
    papers: papers.filter((p) => p.title && p.categories.length),
  };
}
