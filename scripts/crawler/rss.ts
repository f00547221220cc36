// rss.arxiv.org daily announcement feeds: which papers a category announced
// on a day, and how (new, cross, replace, replace-cross). Pure.
import { type Paper, isoDate, normalizeSpace, parseArxivId, splitAuthors, splitCategories } from '../../db/paper.ts';
import type { AnnounceType } from '../../db/queries.ts';
import { MalformedPageError } from './errors.ts';
import { type XmlNode, listOf, nodeOf, parseXml, textOf } from './xml.ts';

export interface RssItem {
  paper: Paper;
  announceType: AnnounceType;
  /** 1-based order in the feed. */
  position: number;
}

export interface RssFeed {
  /** Announcement day, YYYY-MM-DD; null only for a feed with no date at all. */
  date: string | null;
  items: RssItem[];
  /** Items we could not read (no id, unknown announce type). */
  skipped: number;
}

const ANNOUNCE_TYPES: ReadonlySet<string> = new Set(['new', 'cross', 'replace', 'replace-cross']);

// "arXiv:2604.21952v1 Announce Type: new \nAbstract: ..."
const DESCRIPTION = /^\s*arXiv:(\S+)\s+Announce Type:\s*(\S+)\s*(?:Abstract:\s*)?([\s\S]*)$/;

function itemFrom(node: XmlNode, position: number): RssItem | null {
  const description = textOf(node.description);
  const d = DESCRIPTION.exec(description);
  const parsed = parseArxivId(textOf(node.guid)) ?? (d ? parseArxivId(d[1]) : null) ?? parseArxivId(textOf(node.link));
  const type = (textOf(node.announce_type) || d?.[2] || '').trim();
  if (!parsed || !ANNOUNCE_TYPES.has(type)) return null;
  const title = normalizeSpace(textOf(node.title));
  const categories = splitCategories(listOf(node.category).map(textOf));
  if (!title || !categories.length) return null;
  const rights = normalizeSpace(textOf(node.rights));
  return {
    position,
    announceType: type as AnnounceType,
    paper: {
      id: parsed.id,
      version: parsed.version,
      title,
      abstract: normalizeSpace(d ? d[3] : description),
      authors: splitAuthors(textOf(node.creator)),
      categories,
      // The feed gives the announcement day, not the submission date; the API fills these.
      published: null,
      updated: null,
      comments: null,
      journalRef: null,
      doi: null,
      license: rights || null,
    },
  };
}

export function parseRssFeed(body: string): RssFeed {
  const doc = parseXml(body, 'RSS');
  const channel = nodeOf(nodeOf(doc.rss)?.channel);
  if (!channel) throw new MalformedPageError('RSS: no rss/channel element');
  const items: RssItem[] = [];
  let skipped = 0;
  listOf(channel.item).forEach((raw, i) => {
    const node = nodeOf(raw);
    const item = node ? itemFrom(node, i + 1) : null;
    if (item) items.push(item);
    else skipped++;
  });
  const firstItem = nodeOf(listOf(channel.item)[0]);
  const date = isoDate(textOf(channel.pubDate)) ?? isoDate(textOf(channel.lastBuildDate)) ?? isoDate(textOf(firstItem?.pubDate));
  return { date, items, skipped };
}
