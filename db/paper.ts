// The paper as every part of the program sees it, and the pure helpers that
// make ids, dates and text from any source agree. No I/O here.
import { texToUnicode } from '../lib/textex.ts';

export interface Paper {
  id: string;
  version: number | null;
  title: string;
  abstract: string;
  authors: string[];
  /** Primary first. */
  categories: string[];
  published: string | null;
  updated: string | null;
  comments: string | null;
  journalRef: string | null;
  doi: string | null;
  license: string | null;
  /** Unix ms of the last ingest that saw it (set when read from the database; the sources do not give it). */
  seenAt?: number | null;
}

export interface ParsedId {
  id: string;
  version: number | null;
}

// New style: 0704.0001 .. 2405.01234 (4 digits after the dot until 2014-12, 5 since).
const NEW_ID = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
// Old style: archive(.subject)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
const OLD_ID = /^([a-z][a-z-]*(?:\.[A-Za-z-]+)?\/\d{7})(?:v(\d+))?$/;

/**
 * A new-style id with the number as arXiv writes it: four digits until
 * 2014-12 (`1406.2661`), five since 2015-01 (`2601.01306`). People paste
 * both paddings (`1406.02661`, `2601.1306`, `0704.00062`), so a zero is added
 * or dropped; a five-digit pre-2015 number not starting with 0 is no id (null).
 */
function canonicalNewStyle(id: string): string | null {
  const [yymm, num] = id.split('.');
  const fiveDigits = Number(yymm) >= 1501;
  if (fiveDigits) return num.length === 5 ? id : `${yymm}.0${num}`;
  if (num.length === 4) return id;
  return num.startsWith('0') ? `${yymm}.${num.slice(1)}` : null;
}

/**
 * Accepts an arXiv id in any form a user or feed gives it — with `arXiv:`,
 * as an abs/pdf/html URL, with a version, with `oai:arXiv.org:` — and returns
 * the bare id and version, or null when it is not an arXiv id.
 */
export function parseArxivId(input: string): ParsedId | null {
  let s = input.trim();
  s = s.replace(/^oai:arXiv\.org:/i, '');
  // A path segment may arrive with its double slash collapsed (`https:/arxiv.org/...`).
  s = s.replace(/^https?:\/\/?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i, '');
  s = s.replace(/^arxiv:/i, '');
  s = s.replace(/\.pdf$/i, '').replace(/[?#].*$/, '').replace(/\/$/, '');
  const m = NEW_ID.exec(s) ?? OLD_ID.exec(s);
  if (!m) return null;
  let id = m[1];
  if (/^\d/.test(id)) {
    const fixed = canonicalNewStyle(id);
    if (!fixed) return null;
    id = fixed;
  }
  // Old-style ids name the archive only; the subject class is not part of the id.
  const slash = id.indexOf('/');
  if (slash > 0) id = id.slice(0, slash).replace(/\.[A-Za-z-]+$/, '') + id.slice(slash);
  return { id, version: m[2] ? Number(m[2]) : null };
}

/** A good id to show next to a bad one. */
export const EXAMPLE_ID = '2405.01234';

/** What a path segment such as `/arxiv/<x>` holds, read as a reader's pasted id. */
export type IdInput =
  | { kind: 'id'; id: string; version: number | null }
  /** Meant as an id (starts with a digit, `arXiv:`, an arxiv.org URL, `archive/digits`) but not one. */
  | { kind: 'malformed' }
  /** Something else (a category, a word): not ours to answer. */
  | { kind: 'other' };

const ID_LIKE = /^(?:\d|arxiv:|https?:|(?:www\.)?arxiv\.org\/|[a-z][a-z-]*(?:\.[A-Za-z-]+)?\/\d)/i;

/**
 * Reads a pasted id: any form parseArxivId accepts whose month exists
 * (`2613.01306` and `0000.0000` are malformed), told apart from input that
 * is not meant as an id at all.
 */
export function readIdInput(input: string): IdInput {
  const s = input.trim().replace(/^(?:www\.)?arxiv\.org\//i, 'https://arxiv.org/');
  if (!ID_LIKE.test(s)) return { kind: 'other' };
  const parsed = parseArxivId(s);
  if (!parsed || monthFromId(parsed.id) == null) return { kind: 'malformed' };
  return { kind: 'id', ...parsed };
}

/** The month an id encodes, `YYYY-MM`; ids from 1991-2090 by the YYMM rule arXiv uses. */
export function monthFromId(id: string): string | null {
  const m = /^(\d{2})(\d{2})\./.exec(id) ?? /\/(\d{2})(\d{2})\d{3}$/.exec(id);
  if (!m) return null;
  const yy = Number(m[1]);
  const mm = Number(m[2]);
  if (mm < 1 || mm > 12) return null;
  const year = yy >= 91 ? 1900 + yy : 2000 + yy;
  return `${year}-${m[2]}`;
}

/**
 * Collapses every run of whitespace (hard wraps, tabs, NBSP kept) to one
 * space and drops bidi controls (a title holding U+202E would show the rest
 * of itself, and of the line, reversed).
 */
export function normalizeSpace(s: string): string {
  // Only runs that are not already a single space need rewriting; most text has none.
  return s.replace(/[\t\r\n\f\v][ \t\r\n\f\v]*| [ \t\r\n\f\v]+|[\u202A-\u202E\u2066-\u2069]/g, (m) => (m.length === 1 && m > '\u2000' ? '' : ' ')).trim();
}

const MONTHS: Record<string, string> = {
  jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06',
  jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12',
};

/**
 * Any date the sources use — ISO (`2016-01-05`, `2016-01-05T12:00:00Z`) or
 * RFC 2822 (`Sat, 31 Mar 2007 02:26:18 GMT`) — as `YYYY-MM-DD`, else null.
 */
export function isoDate(s: string | null | undefined): string | null {
  if (!s) return null;
  const t = s.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const rfc = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})/.exec(t);
  if (rfc) {
    const mm = MONTHS[rfc[2].toLowerCase()];
    if (mm) return `${rfc[3]}-${mm}-${rfc[1].padStart(2, '0')}`;
  }
  return null;
}

/** The text without its parenthesised parts (nested too): affiliations in an arXiv author list. */
function withoutParentheses(s: string): string {
  let depth = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

/**
 * One author's name as readers and reference managers want it: TeX accents as
 * Unicode, affiliations in parentheses dropped. Idempotent, so names stored
 * before splitAuthors did this come out the same as new ones.
 */
export function authorName(name: string): string {
  return normalizeSpace(withoutParentheses(texToUnicode(name)));
}

/** A name suffix written after a comma ("John Smith, Jr."), which belongs to the name before it. */
const SUFFIX = /^(?:Jr|Sr)\.?$|^(?:II|III|IV)$/;

/**
 * Splits an arXiv author string ("A, B and C", "A, B, C", with affiliations
 * in parentheses and TeX accents) into names, the way arXiv's own
 * `authors_parsed` reads it: affiliations dropped, accents as Unicode,
 * initials spaced ("J.P. Hague" -> "J. P. Hague").
 */
export function splitAuthors(s: string | null | undefined): string[] {
  if (!s) return [];
  const flat = withoutParentheses(texToUnicode(normalizeSpace(s)));
  const out: string[] = [];
  for (const part of flat.split(/\s*,\s*|\s+and\s+|\s+&\s+/)) {
    const name = normalizeSpace(part.replace(/^and\s+/, '').replace(/\.(?=[^\s.,])/g, '. '));
    if (!name || /^et\.? al\.?$/i.test(name)) continue;
    if (SUFFIX.test(name) && out.length) out[out.length - 1] += ` ${name}`;
    else out.push(name);
  }
  return out;
}

/** Categories as arXiv writes them (space separated), deduplicated, order kept. */
export function splitCategories(s: string | string[] | null | undefined): string[] {
  if (!s) return [];
  const parts = Array.isArray(s) ? s : s.split(/\s+/);
  const seen = new Set<string>();
  for (const p of parts) {
    const c = p.trim();
    if (c && /^[a-z][a-z-]*(\.[A-Za-z-]+)?$/.test(c)) seen.add(c);
  }
  return [...seen];
}

/** The date a listing sorts by: known first-submission date, else the id's month. */
export function sortDateOf(p: Pick<Paper, 'id' | 'published'>): string {
  return p.published ?? monthFromId(p.id) ?? '0000-00';
}

/** How sure a paper's date is: the first version's day, the id's month, or only when we took it in. */
export type PaperDatePrecision = 'day' | 'month' | 'ingest';

/** A paper's date as every page, feed and citation shows it. */
export interface PaperDate {
  /** `YYYY-MM-DD` for `day` and `ingest`, `YYYY-MM` for `month`. */
  date: string;
  precision: PaperDatePrecision;
  /** A full ISO timestamp (UTC midnight of the day, the 1st of the month) for feeds. */
  iso: string;
}

/** arXiv opened in August 1991; nothing we show is older. */
const EARLIEST = '1991-08';

/**
 * The one date of a paper: the first version's date when known, else the
 * month its id encodes, else the day of the ingest that first saw it (the
 * last resort: `seenAt`, or now when even that is absent). Never 1970.
 */
export function paperDate(p: Pick<Paper, 'id' | 'published' | 'seenAt'>, now = Date.now()): PaperDate {
  const published = p.published && /^\d{4}-\d{2}-\d{2}$/.test(p.published) && p.published >= EARLIEST ? p.published : null;
  if (published) return { date: published, precision: 'day', iso: `${published}T00:00:00Z` };
  const month = monthFromId(p.id);
  if (month && month >= EARLIEST) return { date: month, precision: 'month', iso: `${month}-01T00:00:00Z` };
  const seen = p.seenAt && p.seenAt > Date.UTC(1991, 7, 1) ? p.seenAt : now;
  const day = new Date(seen).toISOString().slice(0, 10);
  return { date: day, precision: 'ingest', iso: `${day}T00:00:00Z` };
}

/** The date in words for a card or a paper page: `2016-01-05`, `Jan 2016` (from the id), `added 2026-12-04`. */
export function paperDateText(d: PaperDate): string {
  if (d.precision === 'day') return d.date;
  if (d.precision === 'month') {
    const [y, m] = d.date.split('-');
    const name = Object.keys(MONTHS).find((k) => MONTHS[k] === m) ?? m;
    return `${name[0].toUpperCase()}${name.slice(1)} ${y}`;
  }
  return `added ${d.date}`;
}

/** A Hono path-parameter pattern matching an id with optional version, old or new style. */
export const ARXIV_ID_PATTERN = '(?:\\d{4}\\.\\d{4,5}(?:v\\d+)?|[a-z][a-z-]*(?:\\.[A-Za-z-]+)?/\\d{7}(?:v\\d+)?)';

/** The JSON shape of a paper in the API. */
export function paperJson(p: Paper) {
  return {
    id: p.id,
    version: p.version,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors,
    categories: p.categories,
    primaryCategory: p.categories[0] ?? null,
    published: p.published,
    updated: p.updated,
    /** The date pages and feeds show (paperDate). */
    date: paperDate(p),
    comments: p.comments,
    journalRef: p.journalRef,
    doi: p.doi,
    license: p.license,
  };
}
