// The one place that reaches inside MiniSearch (7.x only: checked once, at
// load, against the installed package's version, and every private member is
// reached through internals() below).
//
// The "minisearch" engine is our own engine on MiniSearch's data structures:
// MiniSearch keeps the index (its radix tree of terms, document ids, field
// lengths, stored fields, discard and vacuum), and we build it, save and load
// it, and evaluate and score queries over it (search/ms-eval.ts), because
// MiniSearch.add() walks its radix tree once per word occurrence (a full
// build of 85 k papers took over a minute), its JSON snapshot is one giant
// string, and its search() builds match details for every posting of every
// term before intersecting.
//
// What we use that MiniSearch does not publish (all of MiniSearch 7.2's
// src/MiniSearch.ts), and for what:
//   _index            the radix tree (get, set, fetch, atPrefix, fuzzyGet, entries, size): build, load, save, evaluate
//   _documentIds      short id -> id: liveness, ids of hits, save
//   _idToShortId      id -> short id: load (assemble), `within` sets
//   _fieldLength      short id -> field lengths: scoring, save
//   _storedFields     short id -> stored fields: load, save, dates of hits
//   _avgFieldLength, _documentCount, _nextId, _dirtCount, _fieldIds: scoring, save
//   addDocumentId(), addFieldLength(): adding a paper as add() would
// Postings are always our PostingList (postings.ts): we never call
// MiniSearch.add(), the only code that would make its own Map of postings,
// and PostingList answers the Map methods discard() and vacuum() call.
import MiniSearch, { type Options } from 'minisearch';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PostingList, papersIn } from './postings.ts';
import { VersionedMap } from './versioned-map.ts';

/** term -> fieldId -> postings: MiniSearch's own index layout, with our posting lists. */
export type FieldPostings = Map<number, PostingList>;

/** The MiniSearch major version whose private members this module knows. */
const KNOWN_MAJOR = 7;
/** The installed MiniSearch's version, read once from its package.json (which its exports do not publish). */
const INSTALLED: string = (() => {
  let dir = dirname(createRequire(import.meta.url).resolve('minisearch'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'minisearch' && pkg.version) return pkg.version;
    } catch {
      /* no package.json here: look further up */
    }
    if (dirname(dir) === dir) return 'unknown';
    dir = dirname(dir);
  }
})();
const KNOWN_VERSION = Number(INSTALLED.split('.')[0]) === KNOWN_MAJOR;

interface RadixMap {
  get(term: string): FieldPostings | undefined;
  atPrefix(prefix: string): { keys(): IterableIterator<string> };
  fuzzyGet(term: string, maxEditDistance: number): Map<string, [FieldPostings, number]>;
  set(term: string, value: FieldPostings): unknown;
  entries(): IterableIterator<[string, FieldPostings]>;
  readonly size: number;
}

interface Internals {
  _index: RadixMap & { fetch(term: string, initial: () => FieldPostings): FieldPostings };
  _documentIds: Map<number, string>;
  _idToShortId: Map<string, number>;
  _fieldLength: Map<number, number[]>;
  _storedFields: Map<number, Record<string, unknown>>;
  _avgFieldLength: number[];
  _nextId: number;
  _documentCount: number;
  _dirtCount: number;
  _fieldIds: Record<string, number>;
  addDocumentId(id: string): number;
  addFieldLength(sid: number, fieldId: number, count: number, length: number): void;
}

/**
 * The version guard: every use of a private member goes through here. It
 * fails on another major version, or when a member it needs is missing.
 */
function internals<T>(ms: MiniSearch<T>): Internals {
  if (!KNOWN_VERSION) {
    throw new Error(`search/ms-internals.ts knows MiniSearch ${KNOWN_MAJOR}.x, not ${INSTALLED}; pin minisearch to ^7.2`);
  }
  const i = ms as unknown as Internals;
  if (
    !i._index || typeof i._index.get !== 'function' || typeof i._index.fetch !== 'function' ||
    !(i._documentIds instanceof Map) || !(i._idToShortId instanceof Map) || typeof i.addDocumentId !== 'function'
  ) {
    throw new Error(`MiniSearch ${INSTALLED}'s internals are not the ones search/ms-internals.ts knows; pin minisearch to ^7.2`);
  }
  return i;
}

export interface IndexHeader {
  documentCount: number;
  nextId: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
  dirtCount: number;
}

export interface DocEntry {
  shortId: number;
  id: string;
  stored: Record<string, unknown>;
  fieldLength: number[];
}

/** A MiniSearch instance from prepared parts; nothing is re-tokenized. */
export function assemble<T>(
  options: Options<T>,
  header: IndexHeader,
  docs: Iterable<DocEntry>,
  terms: Iterable<[string, FieldPostings]>,
): MiniSearch<T> {
  const ms = MiniSearch.loadJS<T>(
    { ...header, documentIds: {}, fieldLength: {}, storedFields: {}, index: [], serializationVersion: 2 },
    options,
  );
  const i = internals(ms);
  for (const d of docs) {
    i._documentIds.set(d.shortId, d.id);
    i._idToShortId.set(d.id, d.shortId);
    i._fieldLength.set(d.shortId, d.fieldLength);
    i._storedFields.set(d.shortId, d.stored);
  }
  for (const [term, postings] of terms) i._index.set(term, postings);
  return ms;
}

/** One field of a document, tokenized and counted by the caller. */
export interface PreparedField {
  fieldId: number;
  /** The field's length for BM25 (search/tokenize.ts unicode61Length: FTS5's count, not MiniSearch's distinct tokens). */
  length: number;
  /** Index term -> occurrences. */
  freqs: ReadonlyMap<string, number>;
}

/**
 * Adds a document as MiniSearch.add() would (same short id, stored fields,
 * field lengths and postings), but walks the radix tree once per distinct
 * term rather than once per word: ~5x faster, which is what lets a server
 * index a crawl's new papers between requests. Returns the short id.
 */
export function addPrepared<T>(
  ms: MiniSearch<T>,
  id: string,
  stored: Record<string, unknown>,
  fields: readonly PreparedField[],
  onNewTerm?: (term: string) => void,
): number {
  const i = internals(ms);
  if (ms.has(id)) throw new Error(`duplicate id ${id}`);
  const sid = i.addDocumentId(id);
  i._storedFields.set(sid, stored);
  let recent = recentTerms.get(ms);
  if (!recent) recentTerms.set(ms, (recent = new Map()));
  for (const f of fields) {
    i.addFieldLength(sid, f.fieldId, i._documentCount - 1, f.length);
    for (const [term, n] of f.freqs) {
      const data = termData(i._index, recent, term, onNewTerm);
      let postings = data.get(f.fieldId);
      if (!postings) data.set(f.fieldId, (postings = new PostingList()));
      // The id is new, so this is its first posting in every list.
      postings.set(sid, n);
    }
  }
  return sid;
}

/**
 * Each index's recently added-to terms, so adding skips the radix-tree walk
 * (~3 µs, most of the cost of indexing a paper) for common words. MiniSearch
 * drops a term from the tree only once its field map is empty, so an empty
 * cached map may be orphaned and is looked up again.
 */
const recentTerms = new WeakMap<object, Map<string, FieldPostings>>();
const RECENT_MAX = 50_000;

function termData(
  index: Internals['_index'],
  recent: Map<string, FieldPostings>,
  term: string,
  onNewTerm?: (term: string) => void,
): FieldPostings {
  const cached = recent.get(term);
  if (cached && cached.size > 0) return cached;
  const data = index.fetch(term, () => {
    onNewTerm?.(term);
    return new Map();
  });
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(term, data);
  return data;
}

export function headerOf<T>(ms: MiniSearch<T>): IndexHeader {
  const i = internals(ms);
  return {
    documentCount: i._documentCount,
    nextId: i._nextId,
    fieldIds: { ...i._fieldIds },
    averageFieldLength: [...i._avgFieldLength],
    dirtCount: i._dirtCount,
  };
}

export function* docEntries<T>(ms: MiniSearch<T>): Generator<DocEntry> {
  const i = internals(ms);
  for (const [shortId, id] of i._documentIds) {
    yield { shortId, id, stored: i._storedFields.get(shortId) ?? {}, fieldLength: i._fieldLength.get(shortId) ?? [] };
  }
}

export function termEntries<T>(ms: MiniSearch<T>): IterableIterator<[string, FieldPostings]> {
  return internals(ms)._index.entries();
}

export function termPostings<T>(ms: MiniSearch<T>, term: string): FieldPostings | undefined {
  return internals(ms)._index.get(term);
}

export function termCount<T>(ms: MiniSearch<T>): number {
  return internals(ms)._index.size;
}

export function isLiveDoc<T>(ms: MiniSearch<T>, shortId: number): boolean {
  return internals(ms)._documentIds.has(shortId);
}

/** What the query evaluator reads from an index (see search/ms-eval.ts). */
export interface IndexView {
  postings(term: string): FieldPostings | undefined;
  /** Index terms starting with `prefix` (a radix-tree walk, not a scan). */
  termsWithPrefix(prefix: string): IterableIterator<string>;
  /** Index terms at most `maxDistance` edits from `term` and their postings (MiniSearch's radix-tree fuzzy walk). */
  termsNear(term: string, maxDistance: number): Map<string, [FieldPostings, number]>;
  isLive(shortId: number): boolean;
  /**
   * How many live papers hold `term` in any of these fields (FTS5's document
   * frequency), kept until a paper is added or discarded.
   */
  papersWith(term: string, fieldIds: readonly number[]): number;
  /** Changes whenever a paper is added or discarded: what caches of counts over the index are kept for. */
  readonly version: string;
  /** Tells the view a document was discarded (its short id is never reused). */
  forget(shortId: number): void;
  idOf(shortId: number): string | undefined;
  shortIdOf(id: string): number | undefined;
  fieldLength(shortId: number, fieldId: number): number;
  stored(shortId: number): Record<string, unknown> | undefined;
  readonly avgFieldLength: number[];
  readonly documentCount: number;
  readonly nextId: number;
  liveIds(): IterableIterator<number>;
}

export function viewOf<T>(ms: MiniSearch<T>): IndexView {
  const i = internals(ms);
  const idToShort = i._idToShortId;
  // Field lengths copied into typed arrays: scoring reads one per posting, and
  // a Map lookup there was a fifth of the time of a related-papers query. A
  // short id's lengths never change after it is added (an update gets a new
  // id), so the copy only has to catch up with ids added since.
  // Liveness likewise (one byte a paper): every candidate of every query is checked.
  const fieldCount = Object.keys(i._fieldIds).length;
  let lengths: Uint16Array[] = Array.from({ length: fieldCount }, () => new Uint16Array(0));
  let live = new Uint8Array(0);
  let copied = 0;
  const catchUp = () => {
    const n = i._nextId;
    if (n > live.length) {
      const size = Math.max(n, Math.ceil(live.length * 1.5));
      lengths = lengths.map((old) => {
        const next = new Uint16Array(size);
        next.set(old);
        return next;
      });
      const nextLive = new Uint8Array(size);
      nextLive.set(live);
      live = nextLive;
    }
    for (let sid = copied; sid < n; sid++) {
      const fl = i._fieldLength.get(sid);
      if (fl) for (let f = 0; f < fieldCount; f++) lengths[f][sid] = Math.min(fl[f] ?? 0, 0xffff);
      live[sid] = i._documentIds.has(sid) ? 1 : 0;
    }
    copied = n;
  };
  const isLive = (sid: number) => {
    if (sid >= copied) catchUp();
    return live[sid] === 1;
  };
  // Papers added get new short ids; discards are counted: together they say whether the index changed.
  let discards = 0;
  const version = () => `${i._nextId}:${discards}`;
  // Counting merges the term's field lists, a pass over its postings: kept per term while no paper comes or goes.
  const papers = new VersionedMap<string, number>(50_000);
  return {
    postings: (term) => i._index.get(term),
    papersWith: (term, fieldIds) => {
      papers.keepFor(version());
      const key = `${fieldIds.join(',')}\u0000${term}`;
      let n = papers.get(key);
      if (n === undefined) {
        const data = i._index.get(term);
        const lists = data ? fieldIds.flatMap((f) => data.get(f) ?? []).filter((m) => m.size > 0) : [];
        n = lists.length ? papersIn(lists, isLive) : 0;
        papers.set(key, n);
      }
      return n;
    },
    get version() {
      return version();
    },
    termsWithPrefix: (prefix) => i._index.atPrefix(prefix).keys(),
    termsNear: (term, maxDistance) => i._index.fuzzyGet(term, maxDistance),
    isLive,
    forget: (sid) => {
      if (sid < copied) live[sid] = 0;
      discards++;
    },
    idOf: (sid) => i._documentIds.get(sid),
    shortIdOf: (id) => idToShort.get(id),
    fieldLength: (sid, fid) => {
      if (sid >= copied) catchUp();
      return lengths[fid]?.[sid] ?? 0;
    },
    stored: (sid) => i._storedFields.get(sid),
    get avgFieldLength() {
      return i._avgFieldLength;
    },
    get documentCount() {
      return i._documentCount;
    },
    get nextId() {
      return i._nextId;
    },
    liveIds: () => i._documentIds.keys(),
  };
}
