// The public arXiv metadata snapshot (Kaggle "arxiv-metadata-oai-snapshot",
// one JSON object per line) mapped to our Paper. Pure: no I/O.
import {
  type Paper,
  isoDate,
  normalizeSpace,
  parseArxivId,
  splitAuthors,
  splitCategories,
} from '../db/paper.ts';

export interface SnapshotRecord {
  id?: unknown;
  authors?: unknown;
  title?: unknown;
  comments?: unknown;
  'journal-ref'?: unknown;
  doi?: unknown;
  categories?: unknown;
  license?: unknown;
  abstract?: unknown;
  versions?: unknown;
  update_date?: unknown;
  authors_parsed?: unknown;
}

export class RecordError extends Error {}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const text = (v: unknown): string | null => {
  const s = str(v);
  if (s == null) return null;
  const t = normalizeSpace(s);
  return t && t !== 'None' ? t : null;
};

function authorsOf(rec: SnapshotRecord): string[] {
  // authors_parsed is [keyname, forenames, suffix]; it survives "and" and affiliations better.
  if (Array.isArray(rec.authors_parsed) && rec.authors_parsed.length) {
    const names = rec.authors_parsed
      .filter((a): a is unknown[] => Array.isArray(a))
      .map((a) => normalizeSpace([a[1], a[0], a[2]].filter((x) => typeof x === 'string' && x).join(' ')))
      .filter(Boolean);
    if (names.length) return names;
  }
  return splitAuthors(str(rec.authors));
}

function versionsOf(rec: SnapshotRecord): { version: number; date: string | null }[] {
  if (!Array.isArray(rec.versions)) return [];
  return rec.versions
    .map((v) => {
      const o = v as { version?: unknown; created?: unknown };
      const n = /^v(\d+)$/.exec(String(o?.version ?? ''));
      return n ? { version: Number(n[1]), date: isoDate(str(o.created)) } : null;
    })
    .filter((v): v is { version: number; date: string | null } => v !== null)
    .sort((a, b) => a.version - b.version);
}

/** Maps one snapshot object to a Paper; throws RecordError saying what is wrong. */
export function paperFromSnapshot(value: unknown): Paper {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new RecordError('not a JSON object');
  const rec = value as SnapshotRecord;
  const parsed = typeof rec.id === 'string' ? parseArxivId(rec.id) : null;
  if (!parsed) throw new RecordError(`bad or missing id ${JSON.stringify(rec.id ?? null).slice(0, 40)}`);
  const title = text(rec.title);
  if (!title) throw new RecordError(`${parsed.id}: missing title`);
  const abstract = text(rec.abstract);
  if (abstract == null) throw new RecordError(`${parsed.id}: missing abstract`);
  const categories = splitCategories(str(rec.categories));
  if (!categories.length) throw new RecordError(`${parsed.id}: no valid category`);
  const versions = versionsOf(rec);
  const last = versions.at(-1);
  return {
    id: parsed.id,
    version: last?.version ?? parsed.version,
    title,
    abstract,
    authors: authorsOf(rec),
    categories,
    published: versions[0]?.date ?? null,
    updated: last?.date ?? isoDate(str(rec.update_date)),
    comments: text(rec.comments),
    journalRef: text(rec['journal-ref']),
    doi: text(rec.doi),
    license: text(rec.license),
  };
}
