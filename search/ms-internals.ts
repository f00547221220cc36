// The one place that reaches inside MiniSearch 7 (pinned: package.json ^7.2).
//
// Why: MiniSearch.add() walks its radix tree once per word occurrence, which
// made a full build of 85 k papers take over a minute here, and its JSON
// snapshot is one giant string. Building the postings in plain hash maps and
// handing them to the radix tree once per term is ~10x faster, and lets the
// snapshot be streamed in binary frames. Everything else (scoring, query
// trees, AND/OR/AND_NOT, discard/vacuum) stays MiniSearch's public API.
import MiniSearch, { type Options } from 'minisearch';
import { PostingList } from './postings.ts';

/** shortDocId -> term frequency: a Map where MiniSearch made it, a PostingList where we did. */
export type PostingMap = Map<number, number> | PostingList;
/** term -> fieldId -> postings: MiniSearch's own index layout. */
export type FieldPostings = Map<number, PostingMap>;

interface RadixMap {
  get(term: string): FieldPostings | undefined;
  atPrefix(prefix: string): { keys(): IterableIterator<string> };
  fuzzyGet(term: string, maxEditDistance: number): Map<string, [FieldPostings, number]>;
  set(term: string, value: FieldPostings): unknown;
  entries(): IterableIterator<[string, FieldPostings]>;
  readonly size: number;
}

interface Internals {
  _index: RadixMap;
  _documentIds: Map<number, string>;
  _fieldLength: Map<number, number[]>;
  _storedFields: Map<number, Record<string, unknown>>;
  _avgFieldLength: number[];
  _nextId: number;
  _documentCount: number;
  _dirtCount: number;
  _fieldIds: Record<string, number>;
}

function internals<T>(ms: MiniSearch<T>): Internals {
  const i = ms as unknown as Internals;
  if (!i._index || typeof i._index.get !== 'function' || !(i._documentIds instanceof Map)) {
    throw new Error('MiniSearch internals changed (expected 7.x); pin minisearch to ^7.2');
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
    (ms as unknown as { _idToShortId: Map<string, number> })._idToShortId.set(d.id, d.shortId);
    i._fieldLength.set(d.shortId, d.fieldLength);
    i._storedFields.set(d.shortId, d.stored);
  }
  for (const [term, postings] of terms) i._index.set(term, postings);
  return ms;
}

/** One field of a document, tokenized and counted by the caller. */
export interface PreparedField {
  fieldId: number;
  /** MiniSearch's field length: the number of distinct raw tokens. */
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
  const i = internals(ms) as Internals & {
    addDocumentId(id: string): number;
    addFieldLength(sid: number, fieldId: number, count: number, length: number): void;
    _index: RadixMap & { fetch(term: string, initial: () => FieldPostings): FieldPostings };
  };
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
  index: RadixMap & { fetch(term: string, initial: () => FieldPostings): FieldPostings },
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
  const idToShort = (ms as unknown as { _idToShortId: Map<string, number> })._idToShortId;
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
  return {
    postings: (term) => i._index.get(term),
    termsWithPrefix: (prefix) => i._index.atPrefix(prefix).keys(),
    termsNear: (term, maxDistance) => i._index.fuzzyGet(term, maxDistance),
    isLive: (sid) => {
      if (sid >= copied) catchUp();
      return live[sid] === 1;
    },
    forget: (sid) => {
      if (sid < copied) live[sid] = 0;
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
