// Test data for the reading pages: real records from the shared corpus (read
// in place), a few hostile ones we craft, and announcement rows of every type,
// written through the real ingest path into a real SQLite file.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch, type Announcement, type AnnounceType } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { paperFromSnapshot } from '../../scripts/snapshot.ts';
import { CORPUS } from '../helpers.ts';

export const DAY1 = '2026-04-27';
export const DAY2 = '2026-04-28';

/** Ids of the hostile records. */
export const HOSTILE = {
  script: '2604.90001',
  img: '2604.90002',
  href: '2604.90003',
  broken: '2604.90004',
} as const;

function hostile(id: string, title: string, abstract: string): Paper {
  return {
    id,
    version: 1,
    title,
    abstract,
    authors: ['Mallory <b>Evil</b>', 'Eve "Quote" Tester'],
    categories: ['cs.LG', 'cs.CR'],
    published: DAY1,
    updated: DAY1,
    comments: '<script>window.__pwned = 1</script> 3 pages',
    journalRef: null,
    doi: null,
    license: null,
  };
}

export const HOSTILE_PAPERS: Paper[] = [
  hostile(HOSTILE.script, 'Attention is <script>window.__pwned=1</script> all you need for $x^2$', 'We study <script>window.__pwned = 2</script> a model where $\\alpha + \\beta = 1$ holds. It is fine.'),
  hostile(HOSTILE.img, 'Images <img src=x onerror="window.__pwned=3"> in titles', 'An abstract with <img src=x onerror="window.__pwned=4"> and math $\\sum_{i=1}^n i$.'),
  hostile(
    HOSTILE.href,
    'Links in math $\\href{javascript:window.__pwned=5}{click}$',
    'Formulas may try $\\href{javascript:alert(1)}{x}$, $\\style{color:red}{y}$, $\\class{evil}{z}$, $\\unicode{x41}$ and $\\require{html}$, but $E = mc^2$ stays.',
  ),
  hostile(HOSTILE.broken, 'Broken TeX $\\frac{1}{$ survives', 'This abstract has broken TeX $\\left( x$ and an unknown macro $\\notamacro{y}$ while $a^2+b^2=c^2$ is fine.'),
];

/** An old-style id (archive/YYMMNNN) to pin the slash in routes. */
export const OLD_STYLE: Paper = {
  id: 'hep-th/9901001',
  version: 2,
  title: 'An old-style identifier with $\\mathcal{N}=4$ in its title',
  abstract: 'Checks that ids with a slash route to their page.',
  authors: ['A. Tester'],
  categories: ['hep-th'],
  published: '1999-01-04',
  updated: '1999-02-01',
  comments: null,
  journalRef: null,
  doi: null,
  license: null,
};

/** Reads real papers from the corpus: up to `count` whose categories include one of `cats`, preferring ones with math. */
export async function corpusPapers(count: number, cats: readonly string[], file = CORPUS): Promise<Paper[]> {
  const withMath: Paper[] = [];
  const plain: Paper[] = [];
  const rl = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let p: Paper;
    try {
      p = paperFromSnapshot(JSON.parse(line));
    } catch {
      continue;
    }
    if (!p.categories.some((c) => cats.includes(c)) || !p.id.startsWith('26')) continue;
    if (/\$/.test(p.abstract) || /\$/.test(p.title)) withMath.push(p);
    else if (plain.length < count) plain.push(p);
    if (withMath.length >= count) break;
  }
  rl.close();
  const picked = [...withMath, ...plain].slice(0, count);
  return picked;
}

export interface Seeded {
  db: Db;
  path: string;
  papers: Paper[];
  /** Real papers announced on DAY2 in cs.LG, in arXiv order. */
  day2: string[];
}

const TYPES: AnnounceType[] = ['new', 'cross', 'replace', 'replace-cross'];

/**
 * A database with `count` real papers (cs.LG/cs.CL) plus the hostile ones;
 * cs.LG has announcements on two days with every announcement type; cs.CL has
 * some of the same papers on DAY2 (for unions); cs.CR has none (fallback).
 */
export async function seedDb(dir: string, count = 70): Promise<Seeded> {
  const path = join(dir, 'papers.db');
  const db = openDb(path);
  const real = await corpusPapers(count, ['cs.LG', 'cs.CL']);
  const papers = [...HOSTILE_PAPERS, OLD_STYLE, ...real];
  const ann: Announcement[] = [];
  // DAY1: the hostile records, new in cs.LG.
  HOSTILE_PAPERS.forEach((p, i) => ann.push({ date: DAY1, category: 'cs.LG', paperId: p.id, announceType: 'new', position: i + 1 }));
  // DAY2: every real paper in cs.LG, types rotating so each appears.
  const day2 = real.map((p) => p.id);
  day2.forEach((id, i) => {
    const type = i < day2.length - 12 ? 'new' : TYPES[1 + (i % 3)];
    ann.push({ date: DAY2, category: 'cs.LG', paperId: id, announceType: type, position: i + 1 });
  });
  // cs.CL on DAY2: the first ten as cross-lists, plus a paper only cs.CL announces.
  day2.slice(0, 10).forEach((id, i) => ann.push({ date: DAY2, category: 'cs.CL', paperId: id, announceType: 'cross', position: i + 1 }));
  ingestBatch(db, { papers, announcements: ann });
  return { db, path, papers, day2 };
}
