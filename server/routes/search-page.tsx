// `/arxiv/search?query=…`: results with highlights (math typeset, never
// marked), the query language's help, pagination with lazy-loaded chunks, an
// Atom feed and the JSON twin `/api/arxiv/search`.
import { Hono, type Context } from 'hono';
import type { RouteDeps } from '../app.ts';
import type { MathService } from '../math/service.ts';
import type { Db } from '../../db/client.ts';
import { getPapers } from '../../db/queries.ts';
import { paperJson } from '../../db/paper.ts';
import type { SearchEngine } from '../../search/types.ts';
import { DATE_SORT_MAX, parseResultSort, RESULT_SORTS, searchSorted, type ResultSort, type SortedResult } from '../../search/sort.ts';
import { QueryError } from '../../search/query.ts';
import { queryHint, type QueryHint } from './query-hint.ts';
import { Layout, page } from '../views/layout.tsx';
import { paperChunkHtml, Pager, TranslateToggle, type TranslateInfo } from '../views/papers.tsx';
import { atomFeed } from '../views/feed.ts';
import { escapeHtml } from '../../lib/html.ts';
import { CHUNK, clampedIntParam } from './page-util.ts';

const MAX_QUERY = 1000;

type Outcome = { ok: true; result: SortedResult } | { ok: false; status: 400 | 503; message: string };

/** What a search page was asked: the query, where the page starts, and the order. */
interface SearchAsk {
  query: string;
  offset: number;
  /** Null when the `sort` parameter is not one we know (answered with a 400). */
  sort: ResultSort | null;
}

async function runSearch(db: Db, search: SearchEngine | undefined, ask: SearchAsk, limit: number): Promise<Outcome> {
  if (!search) return { ok: false, status: 503, message: 'Search is unavailable on this server right now.' };
  if (!ask.sort) return { ok: false, status: 400, message: `Sort must be one of: ${RESULT_SORTS.join(', ')}.` };
  if (ask.query.length > MAX_QUERY) return { ok: false, status: 400, message: `The query is longer than ${MAX_QUERY} characters.` };
  try {
    return { ok: true, result: await searchSorted(search, db, ask.query, { offset: ask.offset, limit, sort: ask.sort }) };
  } catch (err) {
    // Only a QueryError is the reader's to fix; anything else is our fault and
    // goes to the app's error handler (logged, a plain 500 without internals).
    if (err instanceof QueryError) return { ok: false, status: 400, message: err.message };
    throw err;
  }
}

function searchUrl(path: string, query: string, offset: number, sort: ResultSort | null = 'relevance'): string {
  const p = new URLSearchParams({ query });
  if (sort === 'date') p.set('sort', sort);
  if (offset) p.set('offset', String(offset));
  return `${path}?${p}`;
}

/** Relevance / newest-first switch: plain links, so it works without JavaScript. */
function SortSwitch({ query, sort }: { query: string; sort: ResultSort }) {
  const option = (value: ResultSort, text: string) =>
    value === sort ? (
      <strong aria-current="true">{text}</strong>
    ) : (
      <a href={searchUrl('/arxiv/search', query, 0, value)}>{text}</a>
    );
  return (
    <nav class="result-sort" aria-label="Order of results">
      Sort: {option('relevance', 'best match')} · {option('date', 'newest first')}
    </nav>
  );
}

function QueryHelp() {
  return (
    <details class="help" open={false}>
      <summary>How to search</summary>
      <dl>
        <dt>
          <code>sparse attention</code>
        </dt>
        <dd>papers with these words, best matches first (BM25)</dd>
        <dt>
          <code>"exact phrase"</code>
        </dt>
        <dd>the words next to each other</dd>
        <dt>
          <code>-survey</code>
        </dt>
        <dd>leave out papers with this word</dd>
        <dt>
          <code>diffusion OR flow</code>
        </dt>
        <dd>either word</dd>
        <dt>
          <code>ti:transformer abs:protein au:"Yann LeCun"</code>
        </dt>
        <dd>a word in the title, the abstract, or an author</dd>
        <dt>
          <code>cat:cs.LG</code>, <code>cat:cs</code>
        </dt>
        <dd>one category, or a whole archive</dd>
        <dt>
          <code>year:2025</code>, <code>from:2025-05-01</code>, <code>to:2025-06-30</code>
        </dt>
        <dd>submission dates</dd>
        <dt>
          <code>2405.01234</code>, an arxiv.org URL
        </dt>
        <dd>that paper first</dd>
      </dl>
    </details>
  );
}

/** "Did you mean …?" and the hint for a query in another script, each a plain link to the search it offers. */
function QueryAdvice({ suggestion, advice, sort }: { suggestion: string | null; advice: QueryHint; sort: ResultSort }) {
  return (
    <>
      {suggestion ? (
        <p class="suggestion">
          Did you mean <a href={searchUrl('/arxiv/search', suggestion, 0, sort)} rel="nofollow">{suggestion}</a>?
        </p>
      ) : null}
      {advice.hint ? (
        <p class="hint">
          {advice.hint}
          {advice.translatedQuery ? (
            <>
              {' '}
              <a href={searchUrl('/arxiv/search', advice.translatedQuery, 0, sort)} rel="nofollow" lang="en">
                {advice.translatedQuery}
              </a>
            </>
          ) : null}
        </p>
      ) : null}
    </>
  );
}

function SearchPage(props: { query: string; sort: ResultSort; outcome: Outcome | null; offset: number; body: string; tr: TranslateInfo; advice: QueryHint }) {
  const { query, outcome, offset, sort } = props;
  const cut = outcome?.ok && outcome.result.dateSortedOf !== null && outcome.result.matches > outcome.result.dateSortedOf;
  const total = outcome?.ok ? outcome.result.total : 0;
  const next = offset + CHUNK < total ? offset + CHUNK : null;
  const prev = offset > 0 ? Math.max(0, offset - CHUNK) : null;
  return (
    <Layout
      title={query ? `Search: ${query}` : 'Search'}
      query={query}
      scripts={['lazy', 'filter']}
      styles={['filter']}
      head={query ? <link rel="alternate" type="application/atom+xml" href={searchUrl('/arxiv/search/feed', query, 0, sort)} /> : null}
    >
      <section class="listing-head">
        <h1>{query ? <>Results for “{query}”</> : 'Search'}</h1>
        {outcome && !outcome.ok ? (
          <p class="error" role="alert">
            {outcome.message}
          </p>
        ) : null}
        {outcome?.ok ? (
          <p class="summary">
            {total
              ? cut
                ? `${outcome.result.matches} papers; the ${total} best matches newest first · showing ${offset + 1}–${Math.min(total, offset + CHUNK)}`
                : `${total} papers${sort === 'date' ? ', newest first' : ''} · showing ${offset + 1}–${Math.min(total, offset + CHUNK)}`
              : 'No papers match.'}{' '}
            {total ? <a href={searchUrl('/arxiv/search/feed', query, 0, sort)}>Atom feed</a> : null}
          </p>
        ) : null}
        {outcome?.ok ? <QueryAdvice suggestion={outcome.result.suggestion ?? null} advice={props.advice} sort={sort} /> : null}
        {outcome?.ok && total ? <SortSwitch query={query} sort={sort} /> : null}
        <QueryHelp />
        {total ? <TranslateToggle info={props.tr} scope="page" /> : null}
      </section>
      <section class="papers" data-papers dangerouslySetInnerHTML={{ __html: props.body }}></section>
      <Pager
        prev={prev != null ? searchUrl('/arxiv/search', query, prev, sort) : null}
        next={next != null ? searchUrl('/arxiv/search', query, next, sort) : null}
        nextChunk={next != null ? searchUrl('/arxiv/search/chunk', query, next, sort) : null}
      />
    </Layout>
  );
}

function readQuery(c: Context): SearchAsk {
  return {
    query: (c.req.query('query') ?? c.req.query('q') ?? '').trim(),
    offset: clampedIntParam(c.req.query('offset'), 0, 0, 1_000_000),
    sort: parseResultSort(c.req.query('sort')),
  };
}

async function chunkHtml(db: Db, math: MathService, r: SortedResult, ask: SearchAsk): Promise<string> {
  const { query, offset } = ask;
  const papers = getPapers(
    db,
    r.hits.map((h) => h.id),
  );
  const next = offset + CHUNK < r.total ? searchUrl('/arxiv/search/chunk', query, offset + CHUNK, ask.sort) : null;
  return (await paperChunkHtml(math, papers, { terms: r.highlightTerms, offset, next })).html;
}

export function searchPageRoutes(deps: RouteDeps & { translateInfo: () => TranslateInfo }): Hono {
  const { db, search, math } = deps;
  const app = new Hono();

  app.get('/arxiv/search', async (c) => {
    const ask = readQuery(c);
    const { query, offset } = ask;
    const outcome = query || !search || !ask.sort ? await runSearch(db, search, ask, CHUNK) : null;
    const body = outcome?.ok && query ? await chunkHtml(db, math, outcome.result, ask) : '';
    const shown = outcome?.ok && !query ? null : outcome;
    const advice = shown?.ok ? await queryHint(query, deps.translator) : { hint: null, translatedQuery: null };
    const html = page(<SearchPage query={query} sort={ask.sort ?? 'relevance'} outcome={shown} offset={offset} body={body} tr={deps.translateInfo()} advice={advice} />);
    return c.html(html, shown && !shown.ok ? shown.status : 200);
  });

  app.get('/arxiv/search/chunk', async (c) => {
    const ask = readQuery(c);
    const outcome = await runSearch(db, search, ask, CHUNK);
    if (!outcome.ok) return c.html(`<p class="error">${escapeHtml(outcome.message)}</p>`, outcome.status);
    return c.html(await chunkHtml(db, math, outcome.result, ask));
  });

  app.get('/arxiv/search/feed', async (c) => {
    const ask = { ...readQuery(c), offset: 0 };
    const { query, sort } = ask;
    const outcome = await runSearch(db, search, ask, 50);
    if (!outcome.ok) return c.text(outcome.message, outcome.status);
    const origin = deps.origin(c);
    const xml = atomFeed({
      origin,
      id: origin + searchUrl('/arxiv/search', query, 0, sort),
      title: `Search: ${query}${sort === 'date' ? ' (newest first)' : ''}`,
      selfPath: searchUrl('/arxiv/search/feed', query, 0, sort),
      htmlPath: searchUrl('/arxiv/search', query, 0, sort),
      papers: getPapers(
        db,
        outcome.result.hits.map((h) => h.id),
      ),
    });
    return c.body(xml, 200, { 'content-type': 'application/atom+xml; charset=utf-8' });
  });

  app.get('/api/arxiv/search', async (c) => {
    const ask = readQuery(c);
    const { query, offset } = ask;
    if (!query) return c.json({ error: 'empty query: pass ?query=' }, 400);
    const outcome = await runSearch(db, search, ask, CHUNK);
    if (!outcome.ok) return c.json({ error: outcome.message }, outcome.status);
    const papers = getPapers(
      db,
      outcome.result.hits.map((h) => h.id),
    );
    const scores = new Map(outcome.result.hits.map((h) => [h.id, h]));
    const r = outcome.result;
    return c.json({
      query,
      sort: r.sort,
      total: r.total,
      matches: r.matches,
      ...(r.dateSortedOf !== null && r.matches > r.dateSortedOf ? { note: `newest first among the ${DATE_SORT_MAX} best of ${r.matches} matches` } : {}),
      offset,
      next: offset + CHUNK < r.total ? searchUrl('/api/arxiv/search', query, offset + CHUNK, r.sort) : null,
      highlightTerms: r.highlightTerms,
      suggestion: r.suggestion ?? null,
      ...(await queryHint(query, deps.translator)),
      papers: papers.map((p) => ({ ...paperJson(p), score: scores.get(p.id)?.score ?? null, matched: scores.get(p.id)?.terms ?? [] })),
    });
  });

  return app;
}
