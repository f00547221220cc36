// The benchmark's known-item query sets (bench/search.ts): for a seeded
// sample of papers, a query the paper should answer, in three kinds: exact,
// variant and compound. Pure functions of the database and the seed.
import type { Db } from '../db/client.ts';
import { getPapers } from '../db/queries.ts';
import { words, isIndexable, foldText, stem } from '../search/tokenize.ts';
import { rng } from '../tests/helpers.ts';

export interface KnownItem {
  id: string;
  query: string;
}

/** 3-5 distinct content words (no stop words, letters only, 3+ long) from each sampled abstract. */
export function knownItemQueries(db: Db, n: number, seed: number): KnownItem[] {
  const rnd = rng(seed);
  const ids = db.sqlite.prepare('SELECT id FROM papers ORDER BY id').pluck().all() as string[];
  const out: KnownItem[] = [];
  const used = new Set<string>();
  while (out.length < n && used.size < ids.length) {
    const id = ids[Math.floor(rnd() * ids.length)];
    if (used.has(id)) continue;
    used.add(id);
    const [p] = getPapers(db, [id]);
    const pool = [...new Set(words(p.abstract).filter((w) => isIndexable(w) && /^\p{L}{3,}$/u.test(w)))];
    if (pool.length < 8) continue;
    const k = 3 + Math.floor(rnd() * 3);
    const picked: string[] = [];
    while (picked.length < k) {
      const w = pool[Math.floor(rnd() * pool.length)];
      if (!picked.includes(w)) picked.push(w);
    }
    out.push({ id, query: picked.join(' ') });
  }
  return out;
}

/**
 * Endings that make one word another inflection of the same word, in
 * families: a word's own inflections (plural and singular, -ed/-ing, with a
 * doubled consonant or a dropped e), and a verb in -e with its noun in
 * -(at)ion ("quantize"/"quantization", "estimate"/"estimation"). Two words
 * sharing a Porter stem are variants here only when what follows their
 * common beginning is in one family for both ("models"/"modeling": s/ing;
 * "quantized"/"quantization": ed/ation), so Porter's merges of different
 * words are left out ("general"/"generation": l/tion, "university"/"universe":
 * ity/e, "general"/"generalization": ""/ization). Written for the benchmark
 * apart from the engines' own rule, so that a change there cannot quietly
 * change the set it is measured on.
 */
const BENCH_FAMILIES = [
  new Set(['', 's', 'es', 'e', 'ed', 'd', 'ing', 'ings', 'y', 'ies', 'ied']),
  new Set(['e', 'es', 'ed', 'ing', 'ion', 'ions', 'ation', 'ations']),
];

function benchInflection(a: string, b: string): boolean {
  if (a === b || stem(a) !== stem(b)) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i < 3) return false;
  // A doubled consonant before -ed/-ing counts as the plain ending ("modelling", "planned").
  const ending = (w: string) => {
    const rest = w.slice(i);
    return rest.length > 2 && rest[0] === w[i - 1] && /^[^aeiou](?:ed|ing|ings)$/.test(rest) ? rest.slice(1) : rest;
  };
  const ea = ending(a);
  const eb = ending(b);
  return BENCH_FAMILIES.some((f) => f.has(ea) && f.has(eb));
}

/** Papers holding each word (title or abstract), letters-only words of 3+ that are indexed. */
export function corpusDocFreq(db: Db): Map<string, number> {
  const df = new Map<string, number>();
  for (const r of db.sqlite.prepare('SELECT title, abstract FROM papers').iterate() as Iterable<{ title: string; abstract: string }>) {
    for (const w of new Set(words(`${r.title} ${r.abstract}`))) {
      if (/^\p{L}{3,}$/u.test(w) && isIndexable(w)) df.set(w, (df.get(w) ?? 0) + 1);
    }
  }
  return df;
}

/** A variant must be used by at least this many papers (none of them the known item). */
const VARIANT_MIN_DF = 5;

/**
 * The variant set: each exact query with about half of its words (2 of 3,
 * 2 of 4, 3 of 5; fewer when fewer have one) replaced by another inflection
 * (benchInflection) that the known paper does not use and at least
 * VARIANT_MIN_DF other papers do. Queries with no replaceable word are left out.
 */
export function variantQueries(db: Db, exact: KnownItem[], seed: number, df = corpusDocFreq(db)): KnownItem[] {
  const rnd = rng(seed);
  const byStem = new Map<string, string[]>();
  for (const [w, n] of df) {
    if (n < VARIANT_MIN_DF) continue;
    const s = stem(w);
    const list = byStem.get(s);
    if (list) list.push(w);
    else byStem.set(s, [w]);
  }
  for (const list of byStem.values()) list.sort();
  const out: KnownItem[] = [];
  for (const it of exact) {
    const [p] = getPapers(db, [it.id]);
    const own = new Set(words(`${p.title} ${p.abstract}`));
    const qw = it.query.split(' ');
    const options = qw.map((w) => (byStem.get(stem(w)) ?? []).filter((v) => !own.has(v) && benchInflection(w, v)));
    const replaceable = qw.map((_, i) => i).filter((i) => options[i].length > 0);
    if (!replaceable.length) continue;
    const want = Math.min(replaceable.length, Math.round(qw.length / 2));
    const chosen = new Set<number>();
    while (chosen.size < want) chosen.add(replaceable[Math.floor(rnd() * replaceable.length)]);
    const q = qw.map((w, i) => (chosen.has(i) ? options[i][Math.floor(rnd() * options[i].length)] : w));
    out.push({ id: it.id, query: q.join(' ') });
  }
  return out;
}

/**
 * The compound set: a hyphenated compound the paper uses (2-4 parts of
 * letters, one of them an indexed word, 6+ letters in all), typed as the
 * paper has it, plus 2-3 distinct content words of its abstract.
 */
export function compoundQueries(db: Db, n: number, seed: number): KnownItem[] {
  const rnd = rng(seed);
  const ids = db.sqlite.prepare('SELECT id FROM papers ORDER BY id').pluck().all() as string[];
  const out: KnownItem[] = [];
  const used = new Set<string>();
  while (out.length < n && used.size < ids.length) {
    const id = ids[Math.floor(rnd() * ids.length)];
    if (used.has(id)) continue;
    used.add(id);
    const [p] = getPapers(db, [id]);
    const compounds = [
      ...new Set(
        (foldText(`${p.title} ${p.abstract}`).match(/(?<![\p{L}\p{N}-])\p{L}+(?:-\p{L}+){1,3}(?![\p{L}\p{N}-])/gu) ?? []).filter((c) => {
          const parts = c.split('-');
          return parts.every((x) => x.length >= 2) && parts.some(isIndexable) && parts.join('').length >= 6;
        }),
      ),
    ];
    if (!compounds.length) continue;
    const compound = compounds[Math.floor(rnd() * compounds.length)];
    const parts = new Set(compound.split('-'));
    const pool = [...new Set(words(p.abstract).filter((w) => isIndexable(w) && /^\p{L}{3,}$/u.test(w) && !parts.has(w)))];
    if (pool.length < 6) continue;
    const k = 2 + Math.floor(rnd() * 2);
    const picked: string[] = [];
    while (picked.length < k) {
      const w = pool[Math.floor(rnd() * pool.length)];
      if (!picked.includes(w)) picked.push(w);
    }
    picked.splice(Math.floor(rnd() * (k + 1)), 0, compound);
    out.push({ id, query: picked.join(' ') });
  }
  return out;
}


/**
 * The respelled set: each compound query whose compound the reader types
 * closed ("vision-language" as "visionlanguage") where at least
 * VARIANT_MIN_DF papers spell it so and the known paper does not: the
 * compound's counterpart of the variant set (search/compounds.ts says the
 * spellings find each other; this measures how well). Queries whose closed
 * spelling is rarer are left out.
 */
export function respelledQueries(db: Db, compound: KnownItem[], df = corpusDocFreq(db)): KnownItem[] {
  const out: KnownItem[] = [];
  for (const it of compound) {
    const qw = it.query.split(' ');
    const at = qw.findIndex((w) => w.includes('-'));
    if (at < 0) continue;
    const closed = qw[at].split('-').join('');
    if ((df.get(closed) ?? 0) < VARIANT_MIN_DF) continue;
    const [p] = getPapers(db, [it.id]);
    if (words(`${p.title} ${p.abstract}`).includes(closed)) continue;
    qw[at] = closed;
    out.push({ id: it.id, query: qw.join(' ') });
  }
  return out;
}
