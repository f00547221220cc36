// Home (`/`) and category listings: `/arxiv/<cat>` (a day of arXiv's
// announcements, or newest first when a category has no announcement rows),
// unions `/arxiv/cs.CL,cs.LG`, exclusions `/arxiv/cs.LG-cs.CV`, archives
// `/arxiv/cs`; lazy-loaded chunks, Atom feeds and JSON twins under /api.
import { Hono, type Context } from 'hono';
import type { RouteDeps } from '../app.ts';
import type { Db } from '../../db/client.ts';
import { getPapers, type AnnounceType } from '../../db/queries.ts';
import { publicStatus } from '../status.ts';
import { CategoryMatcher } from '../../db/category-matcher.ts';
import { categoryLabel, categoryName } from '../../db/taxonomy.ts';
import { HomePage, type HomeStatus } from '../views/home.tsx';
import { paperJson, sortDateOf, type Paper } from '../../db/paper.ts';
import {
  announcedDay,
  announcementDays,
  newestIds,
  categoryCounts,
  categoryMatcher,
  newestInSelection,
  type CategoryCount,
  type CategorySelection,
  type ListedEntry,
} from '../../db/listings.ts';
import type { SearchEngine } from '../../search/types.ts';
import { QueryError } from '../../search/query.ts';
import { Layout, page } from '../views/layout.tsx';
import { paperChunkHtml, Pager, TranslateToggle, type TranslateInfo } from '../views/papers.tsx';
import { atomFeed } from '../views/feed.ts';
import { CHUNK, clampedIntParam, htmlNotFound, isoDay } from './page-util.ts';

export type ListingSort = 'arxiv' | 'newest' | 'keywords';

export interface ListingQuery {
  date: string | null;
  sort: ListingSort;
  /** The URL named the order (even arXiv order): links keep it, and the page does not re-apply remembered keywords. */
  sortGiven: boolean;
  keywords: string;
  offset: number;
  limit: number;
}

export interface Listing {
  spec: string;
  selection: CategorySelection;
  /** `day`: an announcement day; `newest`: the fallback for categories without announcements. */
  mode: 'day' | 'newest';
  date: string | null;
  /** Newer and older announcement days, for date navigation. */
  newerDay: string | null;
  olderDay: string | null;
  total: number;
  offset: number;
  entries: ListedEntry[];
  /** Set when the keywords could not be used (bad query, no search engine), or to say how many matched. */
  note: string | null;
  /** True when the order is the reader's keywords' ranking. */
  ranked: boolean;
  /** Words to mark in titles and abstracts (the keywords, when they ranked the list). */
  terms: string[];
}

/**
 * Keyword ranking scores at most this many papers of a listing, the newest
 * (an announcement day rarely holds more; a whole category can hold
 * hundreds of thousands, and each page and chunk ranks again).
 */
export const KEYWORD_RANK_MAX = 2000;

interface KeywordOrder {
  ids: string[];
  note: string | null;
  ranked: boolean;
  terms: string[];
}

/**
 * `ids` newest first are cut to KEYWORD_RANK_MAX; matches come first, best first, then the rest in the given order.
 * `total`: the selection's size, said in the note when the cut happens (null: not known).
 */
async function sortByKeywords(ids: string[], keywords: string, search: SearchEngine | undefined, total: number | null = ids.length): Promise<KeywordOrder> {
  if (!keywords.trim()) return { ids, note: 'Add your keywords to sort by them.', ranked: false, terms: [] };
  if (!search) return { ids, note: 'Search is unavailable, so keyword sorting is off.', ranked: false, terms: [] };
  const cut = ids.length > KEYWORD_RANK_MAX;
  const pool = cut ? ids.slice(0, KEYWORD_RANK_MAX) : ids;
  try {
    const r = await search.search(keywords, { within: new Set(pool), limit: pool.length, offset: 0 });
    const ranked = r.hits.map((h) => h.id);
    const seen = new Set(ranked);
    const scope = cut ? `the newest ${KEYWORD_RANK_MAX}${total !== null ? ` of ${total}` : ''} papers (keyword ranking looks at no more)` : `${ids.length} papers`;
    return {
      ids: [...ranked, ...pool.filter((id) => !seen.has(id))],
      note: `${ranked.length} of ${scope} match your keywords.`,
      ranked: true,
      terms: r.highlightTerms,
    };
  } catch (err) {
    // A reader's mistake in the keywords is said under the controls; anything else is ours (a logged 500).
    if (!(err instanceof QueryError)) throw err;
    return { ids, note: `Keywords not understood: ${err.message}`, ranked: false, terms: [] };
  }
}

function newestOrder(db: Db, ids: string[]): string[] {
  const papers = getPapers(db, ids);
  const key = (p: Paper) => sortDateOf(p);
  return papers.sort((a, b) => key(b).localeCompare(key(a)) || b.id.localeCompare(a.id)).map((p) => p.id);
}

/** Works out which papers a listing URL shows; null when the category is unknown. */
export async function resolveListing(db: Db, search: SearchEngine | undefined, spec: string, q: ListingQuery): Promise<Listing | null> {
  const selection = categoryMatcher(db).parse(spec);
  if (!selection) return null;
  const days = announcementDays(db, selection);
  const base = { spec, selection, offset: q.offset, note: null as string | null, ranked: false, terms: [] as string[] };
  if (days.length) {
    // The asked day, or the latest announced day on or before it.
    const date = q.date ? (days.find((d) => d <= q.date!) ?? null) : days[0];
    const i = date ? days.indexOf(date) : -1;
    let all = date ? announcedDay(db, selection, date) : [];
    let order: Omit<KeywordOrder, 'ids'> = { note: null, ranked: false, terms: [] };
    if (q.sort !== 'arxiv' && all.length) {
      const types = new Map(all.map((e) => [e.id, e.type]));
      const ids = all.map((e) => e.id);
      let ordered: KeywordOrder;
      if (q.sort === 'newest') ordered = { ids: newestOrder(db, ids), note: null, ranked: false, terms: [] };
      else {
        // Only a crowded day is cut, and then to its newest papers.
        ordered = await sortByKeywords(ids.length > KEYWORD_RANK_MAX ? newestOrder(db, ids) : ids, q.keywords, search);
        if (!ordered.ranked) ordered.ids = ids;
      }
      order = ordered;
      all = ordered.ids.map((id) => ({ id, type: types.get(id) ?? null }));
    }
    return {
      ...base,
      mode: 'day',
      date,
      newerDay: i > 0 ? days[i - 1] : null,
      olderDay: i >= 0 && i + 1 < days.length ? days[i + 1] : null,
      total: all.length,
      entries: all.slice(q.offset, q.offset + q.limit),
      note: order.note,
      ranked: order.ranked,
      terms: order.terms,
    };
  }
  if (q.sort === 'keywords') {
    // One more than the cap, so sortByKeywords knows when it cuts; never the whole selection (its size unknown: null).
    const newest = newestIds(db, selection, KEYWORD_RANK_MAX + 1, q.date);
    const ordered = await sortByKeywords(newest, q.keywords, search, null);
    return {
      ...base,
      mode: 'newest',
      date: q.date,
      newerDay: null,
      olderDay: null,
      total: ordered.ids.length,
      entries: ordered.ids.slice(q.offset, q.offset + q.limit).map((id) => ({ id, type: null })),
      note: ordered.note,
      ranked: ordered.ranked,
      terms: ordered.terms,
    };
  }
  const r = newestInSelection(db, selection, { offset: q.offset, limit: q.limit, before: q.date });
  return {
    ...base,
    mode: 'newest',
    date: q.date,
    newerDay: null,
    olderDay: null,
    total: r.total,
    entries: r.ids.map((id) => ({ id, type: null })),
  };
}

export function listingQuery(c: Context): ListingQuery {
  const sort = c.req.query('sort');
  return {
    date: isoDay(c.req.query('date')),
    sort: sort === 'newest' || sort === 'keywords' ? sort : 'arxiv',
    sortGiven: sort === 'arxiv' || sort === 'newest' || sort === 'keywords',
    keywords: (c.req.query('kw') ?? '').slice(0, 500),
    offset: clampedIntParam(c.req.query('offset'), 0, 0, 1_000_000),
    limit: CHUNK,
  };
}

/** The listing URL with some parameters changed (empty values dropped). */
export function listingUrl(path: string, q: ListingQuery, change: Partial<ListingQuery> & { chunk?: boolean }): string {
  const m = { ...q, ...change };
  const params = new URLSearchParams();
  if (m.date) params.set('date', m.date);
  if (m.sort !== 'arxiv' || m.sortGiven) params.set('sort', m.sort);
  if (m.keywords && m.sort === 'keywords') params.set('kw', m.keywords);
  if (m.offset) params.set('offset', String(m.offset));
  const s = params.toString();
  return (change.chunk ? `${path}/chunk` : path) + (s ? `?${s}` : '');
}

function badgeMap(entries: readonly ListedEntry[]): Map<string, AnnounceType | null> {
  return new Map(entries.map((e) => [e.id, e.type]));
}

/** `cs.LG — Machine Learning`, or for several `cs.AI + cs.LG without cs.CY` (names in the page's subtitle). */
export function listingTitle(sel: CategorySelection): string {
  return sel.include.length === 1 ? categoryLabel(sel.include[0]) + (sel.exclude.length ? ` without ${sel.exclude.join(', ')}` : '') : CategoryMatcher.title(sel, (id) => id);
}

/** The names of a union's parts, for the line under its heading (null for a single category: its heading names it). */
function selectionNames(sel: CategorySelection): string | null {
  if (sel.include.length === 1 && !sel.exclude.length) return null;
  const named = [...sel.include, ...sel.exclude].map((id) => ({ id, name: categoryName(id) })).filter((x) => x.name);
  return named.length ? named.map((x) => `${x.id}: ${x.name}`).join(' · ') : null;
}

function ListingPage(props: { listing: Listing; q: ListingQuery; body: string; path: string; tr: TranslateInfo }) {
  const { listing: l, q, path } = props;
  const next = l.offset + CHUNK < l.total ? l.offset + CHUNK : null;
  const prev = l.offset > 0 ? Math.max(0, l.offset - CHUNK) : null;
  const shownTo = Math.min(l.total, l.offset + CHUNK);
  return (
    <Layout
      title={listingTitle(l.selection)}
      scripts={['lazy', 'filter']}
      styles={['filter']}
      head={<link rel="alternate" type="application/atom+xml" title={`${l.spec} feed`} href={`${path}/feed`} />}
    >
      <section class="listing-head">
        <h1>{listingTitle(l.selection)}</h1>
        {selectionNames(l.selection) ? <p class="names">{selectionNames(l.selection)}</p> : null}
        {l.total === 0 && l.mode === 'newest' && !l.date ? (
          <p class="note empty">No papers in this category yet: the site has none filed under it so far.</p>
        ) : null}
        <p class="summary">
          {l.mode === 'day' ? (
            l.date ? (
              <>
                Announced <strong>{l.date}</strong>: {l.total} papers{l.ranked ? ', ranked by your keywords' : ''}
              </>
            ) : (
              <>No announcement on or before {q.date}.</>
            )
          ) : (
            <>
              {l.total} papers, {l.ranked ? 'ranked by your keywords' : 'newest first'}
              {l.date ? ` (on or before ${l.date})` : ''}
            </>
          )}
          {l.total ? ` · showing ${l.offset + 1}–${shownTo}` : ''}
        </p>
        {l.mode === 'day' ? (
          <nav class="days">
            {l.olderDay ? <a href={listingUrl(path, q, { date: l.olderDay, offset: 0 })}>← {l.olderDay}</a> : <span></span>}
            {l.newerDay ? <a href={listingUrl(path, q, { date: l.newerDay, offset: 0 })}>{l.newerDay} →</a> : <span></span>}
          </nav>
        ) : null}
        <form class="sort" method="get" action={path}>
          <label>
            <span class="lbl">Sort</span>{' '}
            <select name="sort">
              <option value="arxiv" selected={q.sort === 'arxiv'}>
                {l.mode === 'day' ? 'arXiv order' : 'newest'}
              </option>
              {l.mode === 'day' ? (
                <option value="newest" selected={q.sort === 'newest'}>
                  newest
                </option>
              ) : null}
              <option value="keywords" selected={q.sort === 'keywords'}>
                my keywords
              </option>
            </select>
          </label>
          <input type="text" name="kw" value={q.keywords} placeholder="my keywords, e.g. diffusion OR transformer" data-keywords aria-label="My keywords" />
          <button type="button" class="forget-keywords" data-forget-keywords hidden>
            Forget my keywords
          </button>
          <label>
            <span class="lbl">Date</span> <input type="date" name="date" value={q.date ?? l.date ?? ''} />
          </label>
          <button type="submit">Apply</button>
          <a class="feed" href={`${path}/feed`}>
            Atom feed
          </a>
        </form>
        {l.note ? <p class="note">{l.note}</p> : null}
        <TranslateToggle info={props.tr} scope="page" />
      </section>
      <section class="papers" data-papers dangerouslySetInnerHTML={{ __html: props.body }}></section>
      <Pager
        prev={prev != null ? listingUrl(path, q, { offset: prev }) : null}
        next={next != null ? listingUrl(path, q, { offset: next }) : null}
        nextChunk={next != null ? listingUrl(path, q, { offset: next, chunk: true }) : null}
      />
    </Layout>
  );
}

function listingJson(db: Db, l: Listing, path: string, q: ListingQuery) {
  const papers = getPapers(
    db,
    l.entries.map((e) => e.id),
  );
  const types = badgeMap(l.entries);
  const next = l.offset + CHUNK < l.total ? l.offset + CHUNK : null;
  return {
    categories: l.selection,
    mode: l.mode,
    date: l.date,
    newerDay: l.newerDay,
    olderDay: l.olderDay,
    sort: q.sort,
    rankedByKeywords: l.ranked,
    highlightTerms: l.terms,
    total: l.total,
    offset: l.offset,
    next: next != null ? '/api' + listingUrl(path, q, { offset: next }) : null,
    note: l.note,
    papers: papers.map((p) => ({ ...paperJson(p), announceType: types.get(p.id) ?? null })),
  };
}

export function listingRoutes(deps: RouteDeps & { translateInfo: () => TranslateInfo }): Hono {
  const { db, search, math } = deps;
  const app = new Hono();

  const chunkHtml = async (l: Listing, path: string, q: ListingQuery) => {
    const papers = getPapers(
      db,
      l.entries.map((e) => e.id),
    );
    const next = l.offset + CHUNK < l.total ? listingUrl(path, q, { offset: l.offset + CHUNK, chunk: true }) : null;
    return (await paperChunkHtml(math, papers, { badges: badgeMap(l.entries), offset: l.offset, next, terms: l.terms })).html;
  };

  app.get('/', (c) => {
    const { day, counts } = categoryCounts(db);
    const st = publicStatus(db, { crawlerStatus: deps.crawlerStatus, searchName: search?.name ?? null });
    const status: HomeStatus = { papers: st.papers, sample: st.sample, crawler: deps.crawlerStatus ? st.crawler.line : null };
    return c.html(page(<HomePage day={day} counts={counts} searchOn={!!search} status={status} />));
  });

  app.get('/api/categories', (c) => c.json(categoryCounts(db)));

  // The home page's picker submits `?cs.CL=in&cs.CV=out`; turn it into the readable URL.
  app.get('/arxiv', (c) => {
    const inc: string[] = [];
    const exc: string[] = [];
    for (const [k, v] of Object.entries(c.req.query())) {
      if (v === 'in') inc.push(k);
      if (v === 'out') exc.push(k);
    }
    if (!inc.length) return c.redirect('/', 302);
    const spec = inc.join(',') + (exc.length ? '-' + exc.join('-') : '');
    return c.redirect(`/arxiv/${encodeURI(spec)}`, 302);
  });

  const SPEC = ':spec{[A-Za-z][A-Za-z.,:+-]*}';

  app.get(`/arxiv/${SPEC}/chunk`, async (c) => {
    const spec = c.req.param('spec');
    const q = listingQuery(c);
    const l = await resolveListing(db, search, spec, q);
    if (!l) return c.html('<p class="error">Unknown category.</p>', 404);
    return c.html(await chunkHtml(l, `/arxiv/${spec}`, q));
  });

  app.get(`/arxiv/${SPEC}/feed`, async (c) => {
    const spec = c.req.param('spec');
    const q = { ...listingQuery(c), offset: 0, limit: 100 };
    const l = await resolveListing(db, search, spec, q);
    if (!l) return htmlNotFound(c, `There is no category “${spec}”.`);
    const papers = getPapers(
      db,
      l.entries.map((e) => e.id),
    );
    const origin = deps.origin(c);
    const xml = atomFeed({
      origin,
      id: `${origin}/arxiv/${spec}`,
      title: `${listingTitle(l.selection)}${l.date ? ` — ${l.date}` : ''}`,
      selfPath: `/arxiv/${spec}/feed`,
      htmlPath: `/arxiv/${spec}`,
      papers,
    });
    return c.body(xml, 200, { 'content-type': 'application/atom+xml; charset=utf-8' });
  });

  app.get(`/api/arxiv/${SPEC}`, async (c) => {
    const spec = c.req.param('spec');
    if (spec === 'search') return c.notFound();
    const q = listingQuery(c);
    const l = await resolveListing(db, search, spec, q);
    if (!l) return c.json({ error: `unknown category ${spec}` }, 404);
    return c.json(listingJson(db, l, `/arxiv/${spec}`, q));
  });

  app.get(`/arxiv/${SPEC}`, async (c) => {
    const spec = c.req.param('spec');
    const q = listingQuery(c);
    const l = await resolveListing(db, search, spec, q);
    if (!l) return htmlNotFound(c, `There is no category “${spec}” in this collection.`);
    const path = `/arxiv/${spec}`;
    const body = await chunkHtml(l, path, q);
    return c.html(page(<ListingPage listing={l} q={q} body={body} path={path} tr={deps.translateInfo()} />));
  });

  return app;
}
