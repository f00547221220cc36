// OAI-PMH ListRecords responses in arXiv's own metadata format
// (metadataPrefix=arXiv), mapped to Paper. Pure: text in, page out.
import { type Paper, isoDate, normalizeSpace, parseArxivId, splitCategories } from '../../db/paper.ts';
import { MalformedPageError } from './errors.ts';
import { type XmlNode, attrOf, listOf, nodeOf, parseXml, textOf } from './xml.ts';

export type OaiPage =
  | {
      kind: 'records';
      papers: Paper[];
      /** Records marked deleted, or without readable arXiv metadata: nothing to store. */
      skipped: number;
      /** Null when this is the last page (absent or empty token). */
      token: string | null;
      cursor: number | null;
      completeListSize: number | null;
      responseDate: string | null;
    }
  | { kind: 'error'; code: string; message: string };

function orNull(s: string): string | null {
  const t = normalizeSpace(s);
  return t ? t : null;
}

/** "Forenames Keyname Suffix", the way arXiv prints names. */
function authorName(a: unknown): string {
  const n = nodeOf(a);
  if (!n) return normalizeSpace(textOf(a));
  return normalizeSpace([textOf(n.forenames), textOf(n.keyname), textOf(n.suffix)].filter(Boolean).join(' '));
}

export function paperFromArxivRecord(m: XmlNode): Paper | null {
  const parsed = parseArxivId(textOf(m.id));
  if (!parsed) return null;
  const created = isoDate(textOf(m.created));
  return {
    id: parsed.id,
    // The arXiv format names no version; the merge keeps whatever we knew.
    version: parsed.version,
    title: normalizeSpace(textOf(m.title)),
    abstract: normalizeSpace(textOf(m.abstract)),
    authors: listOf(nodeOf(m.authors)?.author).map(authorName).filter(Boolean),
    categories: splitCategories(textOf(m.categories)),
    published: created,
    updated: isoDate(textOf(m.updated)) ?? created,
    comments: orNull(textOf(m.comments)),
    journalRef: orNull(textOf(m['journal-ref'])),
    doi: orNull(textOf(m.doi)),
    license: orNull(textOf(m.license)),
  };
}

function intOrNull(s: string): number | null {
  return /^\d+$/.test(s.trim()) ? Number(s.trim()) : null;
}

export function parseOaiPage(body: string): OaiPage {
  const doc = parseXml(body, 'OAI-PMH');
  const root = nodeOf(doc['OAI-PMH']);
  if (!root) throw new MalformedPageError('OAI-PMH: no OAI-PMH root element');
  const error = listOf(root.error)[0];
  if (error !== undefined) {
    return { kind: 'error', code: attrOf(error, 'code') || 'unknown', message: normalizeSpace(textOf(error)) };
  }
  const list = nodeOf(root.ListRecords);
  if (!list) throw new MalformedPageError('OAI-PMH: response has neither ListRecords nor error');
  const papers: Paper[] = [];
  let skipped = 0;
  for (const r of listOf(list.record)) {
    const rec = nodeOf(r);
    if (!rec) continue;
    if (attrOf(nodeOf(rec.header), 'status') === 'deleted') {
      skipped++;
      continue;
    }
    const meta = nodeOf(nodeOf(rec.metadata)?.arXiv);
    const p = meta ? paperFromArxivRecord(meta) : null;
    if (p && p.title && p.categories.length) papers.push(p);
    else skipped++;
  }
  const tok = list.resumptionToken;
  const token = textOf(tok).trim();
  return {
    kind: 'records',
    papers,
    skipped,
    token: token || null,
    cursor: intOrNull(attrOf(tok, 'cursor')),
    completeListSize: intOrNull(attrOf(tok, 'completeListSize')),
    responseDate: isoDate(textOf(root.responseDate)),
  };
}
