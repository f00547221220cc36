// The query language, parsed once into a tree that each engine compiles.
//
//   bare words          ranked by BM25, all must match (falls back to any when none match all)
//   "exact phrase"      the words next to each other, in order
//   -word, -"phrase"    exclude
//   a OR b              either (binds tighter than the implicit AND between words)
//   ( ... )             grouping
//   ti: abs: au:        restrict a word or phrase to title, abstract or authors
//   cat:cs.LG cat:cs    category (an archive name matches all its categories); several = any
//   year:2024 from:2024-05-01 to:2024-06   date range on first submission
//
// A query that is only an arXiv id or URL is a lookup: that paper comes first.
import { parseArxivId, type ParsedId } from '../db/paper.ts';
import { archiveExtraIds, categoryIds, taxArchive, taxCategory, taxonomyIdIgnoringCase } from '../db/taxonomy.ts';
import { words, isIndexable } from './tokenize.ts';

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

export type Field = 'title' | 'abstract' | 'authors';

/** Folded surface words (not stemmed: each engine stems its own way). */
export type QueryNode =
  | { kind: 'term'; word: string; field: Field | null }
  | { kind: 'phrase'; words: string[]; field: Field | null }
  | { kind: 'and'; children: QueryNode[] }
  /** `compound`: the spellings of one compound (search/compounds.ts), which count as one word. */
  | { kind: 'or'; children: QueryNode[]; compound?: true }
  | { kind: 'not'; child: QueryNode };

export interface QueryFilters {
  /** Exact categories (`cs.LG`) or archives (`cs`, matching `cs.*`); any of them. */
  categories: string[];
  excludedCategories: string[];
  /** Inclusive ISO bounds on the paper's date (`YYYY-MM-DD` prefixes compare correctly). */
  from: string | null;
  to: string | null;
}

/** No filter at all: a fresh object each time (the parser fills its own). */
export function noFilters(): QueryFilters {
  return { categories: [], excludedCategories: [], from: null, to: null };
}

export interface ParsedQuery {
  /** null when the query has only filters (list everything that passes them). */
  root: QueryNode | null;
  filters: QueryFilters;
  /** Set when the whole query is an arXiv id or URL. */
  lookup: ParsedId | null;
  /** Positive words, for highlighting. */
  highlightWords: string[];
}

export const MAX_QUERY_LENGTH = 1000;
const MAX_TERMS = 64;

type Token =
  | { t: 'word'; text: string; neg: boolean; field: string | null }
  | { t: 'phrase'; text: string; neg: boolean; field: string | null }
  | { t: 'or' }
  | { t: 'open'; neg: boolean }
  | { t: 'close' };

const FIELD_ALIASES: Record<string, Field> = {
  ti: 'title', title: 'title',
  abs: 'abstract', abstract: 'abstract',
  au: 'authors', author: 'authors',
};
const FILTER_NAMES = new Set(['cat', 'year', 'from', 'to']);

function lex(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = q.length;
  while (i < n) {
    const ch = q[i];
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === ')') { out.push({ t: 'close' }); i++; continue; }
    let neg = false;
    let j = i;
    if (q[j] === '-' && j + 1 < n && !/\s/.test(q[j + 1])) { neg = true; j++; }
    if (q[j] === '(') { out.push({ t: 'open', neg }); i = j + 1; continue; }
    let field: string | null = null;
    const fm = /^([a-zA-Z]+):/.exec(q.slice(j, j + 12));
    if (fm && (FIELD_ALIASES[fm[1].toLowerCase()] || FILTER_NAMES.has(fm[1].toLowerCase()))) {
      field = fm[1].toLowerCase();
      j += fm[0].length;
    }
    if (q[j] === '"') {
      const end = q.indexOf('"', j + 1);
      if (end < 0) throw new QueryError('unbalanced quote: a phrase starts with " but never ends');
      out.push({ t: 'phrase', text: q.slice(j + 1, end), neg, field });
      i = end + 1;
      continue;
    }
    let k = j;
    while (k < n && !/\s/.test(q[k]) && q[k] !== '(' && q[k] !== ')' && q[k] !== '"') k++;
    const text = q.slice(j, k);
    i = k;
    if (!text) {
      if (field) throw new QueryError(`${field}: needs a value right after the colon`);
      if (neg) continue;
      // A lone quote or similar: skip the character.
      i = Math.max(i, j + 1);
      continue;
    }
    if (text === 'OR' && !neg && !field) out.push({ t: 'or' });
    else out.push({ t: 'word', text, neg, field });
  }
  return out;
}

const YEAR = /^(\d{4})$/;
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

function checkDate(value: string, name: string): { y: string; m?: string; d?: string } {
  const m = DATE.exec(value);
  if (!m) throw new QueryError(`${name}: wants a date like 2024, 2024-05 or 2024-05-01, not "${value}"`);
  const [, y, mo, d] = m;
  if (mo && (Number(mo) < 1 || Number(mo) > 12)) throw new QueryError(`${name}: month ${mo} does not exist`);
  if (d && (Number(d) < 1 || Number(d) > 31)) throw new QueryError(`${name}: day ${d} does not exist`);
  return { y, m: mo, d };
}

const CATEGORY = /^[a-z][a-z-]*(?:\.[a-z-]+)?$/i;

/** Every id (lower case) a `cat:` value covers: its canonical category's aliases and retired archives, or what folded into an archive. */
function categoryFilterIds(typed: string): string[] {
  const value = taxonomyIdIgnoringCase(typed) ?? typed;
  const exact = taxCategory(value);
  const ids = exact ? categoryIds(value) : taxArchive(value) ? archiveExtraIds(value) : [];
  return ids.map((id) => id.toLowerCase());
}

function normalizeCategory(value: string): string {
  if (!CATEGORY.test(value)) throw new QueryError(`cat: wants a category like cs.LG or an archive like cs, not "${value}"`);
  // arXiv spells subject classes in mixed case (cs.LG, math.AP, astro-ph.GA); matching ignores case.
  return value.toLowerCase();
}

class Parser {
  private pos = 0;
  readonly filters: QueryFilters = noFilters();
  readonly highlight = new Set<string>();
  private termCount = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode | null {
    const node = this.orExpr(0);
    if (this.pos < this.tokens.length) {
      // Only a stray `)` can stop the top level early.
      throw new QueryError('unbalanced parenthesis: a ) without its (');
    }
    return node;
  }

  private orExpr(depth: number): QueryNode | null {
    const parts: QueryNode[] = [];
    let pendingOr = false;
    let current: QueryNode[] = [];
    const flush = () => {
      const n = current.length === 0 ? null : current.length === 1 ? current[0] : { kind: 'and' as const, children: current };
      current = [];
      return n;
    };
    while (this.pos < this.tokens.length) {
      const tok = this.tokens[this.pos];
      if (tok.t === 'close') break;
      if (tok.t === 'or') {
        this.pos++;
        // `a OR b c` reads as `(a OR b) c`: OR binds the neighbouring items only.
        pendingOr = current.length > 0 || parts.length > 0;
        continue;
      }
      const item = this.unary(depth);
      if (!item) { pendingOr = false; continue; }
      if (pendingOr && current.length > 0) {
        const prev = current.pop()!;
        current.push(prev.kind === 'or' ? { kind: 'or', children: [...prev.children, item] } : { kind: 'or', children: [prev, item] });
      } else {
        current.push(item);
      }
      pendingOr = false;
    }
    const n = flush();
    if (n) parts.push(n);
    return parts[0] ?? null;
  }

  private unary(depth: number): QueryNode | null {
    const tok = this.tokens[this.pos++];
    if (tok.t === 'open') {
      if (depth > 20) throw new QueryError('too many nested parentheses');
      const inner = this.orExpr(depth + 1);
      if (this.tokens[this.pos]?.t !== 'close') throw new QueryError('unbalanced parenthesis: a ( without its )');
      this.pos++;
      if (!inner) return null;
      return tok.neg ? { kind: 'not', child: inner } : inner;
    }
    if (tok.t !== 'word' && tok.t !== 'phrase') return null;
    if (tok.field && FILTER_NAMES.has(tok.field)) {
      this.filter(tok.field, tok.text.trim(), tok.neg);
      return null;
    }
    const field = tok.field ? FIELD_ALIASES[tok.field] : null;
    // Phrases keep their stop words (an engine that indexes them can match
    // "state of the art" exactly); bare words drop them.
    const all = words(tok.text);
    const ws = tok.t === 'phrase' || all.length > 1 ? all : all.filter(isIndexable);
    if (!ws.some(isIndexable)) return null;
    this.termCount += ws.length;
    if (this.termCount > MAX_TERMS) throw new QueryError(`too many words: at most ${MAX_TERMS}`);
    if (!tok.neg) for (const w of ws) if (isIndexable(w)) this.highlight.add(w);
    let node: QueryNode;
    if (tok.t === 'phrase' && ws.length > 1) node = { kind: 'phrase', words: ws, field };
    else if (ws.length === 1) node = { kind: 'term', word: ws[0], field };
    // A hyphenated or dotted word typed bare ("self-supervised") means its parts, adjacent
    // (engines add its closed spelling, search/compounds.ts).
    else node = { kind: 'phrase', words: ws, field };
    return tok.neg ? { kind: 'not', child: node } : node;
  }

  private filter(name: string, value: string, neg: boolean): void {
    if (name === 'cat') {
      const cat = normalizeCategory(value);
      // An alias or a retired archive means its canonical category, which covers them all (db/taxonomy.ts).
      (neg ? this.filters.excludedCategories : this.filters.categories).push(...new Set([cat, ...categoryFilterIds(value)]));
      return;
    }
    if (neg) throw new QueryError(`-${name}: cannot be negated; use from: and to: for a date range`);
    if (name === 'year') {
      if (!YEAR.test(value)) throw new QueryError(`year: wants four digits like 2024, not "${value}"`);
      this.narrow(`${value}-01-01`, `${value}-12-31`);
      return;
    }
    const d = checkDate(value, name);
    if (name === 'from') this.narrow(`${d.y}-${d.m ?? '01'}-${d.d ?? '01'}`, null);
    else this.narrow(null, `${d.y}-${d.m ?? '12'}-${d.d ?? '31'}`);
  }

  private narrow(from: string | null, to: string | null): void {
    if (from && (!this.filters.from || from > this.filters.from)) this.filters.from = from;
    if (to && (!this.filters.to || to < this.filters.to)) this.filters.to = to;
  }
}

/** Parses the query language; throws QueryError with a reader-facing message. */
export function parseQuery(input: string): ParsedQuery {
  if (input.length > MAX_QUERY_LENGTH) throw new QueryError(`query too long: at most ${MAX_QUERY_LENGTH} characters`);
  // Control characters never belong in a query; treat them as spaces.
  const q = input.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  const lookup = parseArxivId(q);
  if (lookup) {
    return { root: { kind: 'term', word: lookup.id.toLowerCase(), field: null }, filters: noFilters(), lookup, highlightWords: [] };
  }
  const parser = new Parser(lex(q));
  const root = simplify(parser.parse());
  if (root) checkOrs(root);
  return { root, filters: parser.filters, lookup: null, highlightWords: [...parser.highlight] };
}

function simplify(node: QueryNode | null): QueryNode | null {
  if (!node) return null;
  if (node.kind === 'and' || node.kind === 'or') {
    const kids = node.children.map(simplify).filter((c): c is QueryNode => c !== null);
    const flat = kids.flatMap((c) => (c.kind === node.kind ? (c as { children: QueryNode[] }).children : [c]));
    if (flat.length === 0) return null;
    if (flat.length === 1) return flat[0];
    return { kind: node.kind, children: flat };
  }
  if (node.kind === 'not') {
    const child = simplify(node.child);
    if (!child) return null;
    if (child.kind === 'not') return child.child;
    // De Morgan: -(-a -b) is (a OR b). Without this an excluded group with no
    // positive part leaves a subtraction from nothing, which no engine can run.
    if (child.kind === 'and' && !child.children.some(hasPositive)) {
      return simplify({ kind: 'or', children: child.children.map((c) => (c.kind === 'not' ? c.child : c)) });
    }
    return { kind: 'not', child };
  }
  return node;
}

function checkOrs(node: QueryNode): void {
  if (node.kind === 'or' && !node.children.every(hasPositive)) {
    throw new QueryError('OR needs a word or phrase on each side that is not excluded');
  }
  if (node.kind === 'and' || node.kind === 'or') node.children.forEach(checkOrs);
  if (node.kind === 'not') checkOrs(node.child);
}

/** Whether a node can match something by itself (has a positive part). */
export function hasPositive(node: QueryNode): boolean {
  switch (node.kind) {
    case 'term':
    case 'phrase':
      return true;
    case 'not':
      return false;
    case 'and':
      return node.children.some(hasPositive);
    case 'or':
      return node.children.every(hasPositive);
  }
}

/** Whether a category filter value (`cs` or `cs.LG`) admits a paper's category. */
export function categoryMatches(filter: string, category: string): boolean {
  const c = category.toLowerCase();
  if (filter.includes('.')) return filter === c;
  return c === filter || c.startsWith(`${filter}.`);
}

/** Whether a paper with these categories and date passes the filters. */
export function passesFilters(f: QueryFilters, categories: readonly string[], date: string): boolean {
  if (f.categories.length && !f.categories.some((c) => categories.some((pc) => categoryMatches(c, pc)))) return false;
  if (f.excludedCategories.some((c) => categories.some((pc) => categoryMatches(c, pc)))) return false;
  if (f.from && date < f.from) return false;
  // `to` is a full day; a month-only sort date (`2024-05`) compares below `2024-05-31`.
  if (f.to && date > f.to) return false;
  return true;
}

export function hasFilters(f: QueryFilters): boolean {
  return f.categories.length > 0 || f.excludedCategories.length > 0 || f.from !== null || f.to !== null;
}
