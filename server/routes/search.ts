// JSON search API: /api/search, /api/papers/:id/related, /api/related.
// Reader mistakes (bad query syntax, silly sizes) get a 400 with a message
// that says what to change; nothing a reader types can produce a 500.
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../app.ts';
import { getPapers } from '../../db/queries.ts';
import { ARXIV_ID_PATTERN, parseArxivId, type Paper } from '../../db/paper.ts';
import { QueryError, MAX_QUERY_LENGTH } from '../../search/query.ts';
import { highlight, termMatcher } from '../../search/highlight.ts';
import type { SearchHit } from '../../search/types.ts';
import { queryHint } from './query-hint.ts';
import { DATE_SORT_MAX, parseResultSort, RESULT_SORTS, searchSorted } from '../../search/sort.ts';

export const MAX_PAGE_SIZE = 100;
const MAX_PAGE = 10_000_000;
/** Free text for /api/related may be a whole pasted abstract. */
const MAX_RELATED_TEXT = 10_000;

class BadRequest extends Error {}

/** A positive integer parameter in [1, max], or the default when absent. */
function positiveIntParam(c: Context, name: string, fallback: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,12}$/.test(raw.trim())) throw new BadRequest(`${name} must be a whole number from 1 to ${max}, not "${raw.slice(0, 40)}"`);
  const n = Number(raw.trim());
  if (n < 1 || n > max) throw new BadRequest(`${name} must be from 1 to ${max}, not ${n}`);
  return n;
}

function paperSummary(p: Paper, score: number) {
  return { id: p.id, title: p.title, authors: p.authors, categories: p.categories, published: p.published, score };
}

export function searchRoutes({ db, search, translator }: AppDeps): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof BadRequest || err instanceof QueryError) return c.json({ error: err.message }, 400);
    throw err;
  });

  const engine = () => {
    if (!search) throw new BadRequest('search is not enabled on this server');
    return search;
  };

  app.get('/api/search', async (c) => {
    const q = c.req.query('q') ?? '';
    const size = positiveIntParam(c, 'size', 20, MAX_PAGE_SIZE);
    const page = positiveIntParam(c, 'page', 1, MAX_PAGE);
    const sort = parseResultSort(c.req.query('sort'));
    if (!sort) throw new BadRequest(`sort must be one of ${RESULT_SORTS.join(', ')}`);
    if (q.length > MAX_QUERY_LENGTH) throw new QueryError(`query too long: at most ${MAX_QUERY_LENGTH} characters`);
    const t = performance.now();
    const result = await searchSorted(engine(), db, q, { offset: (page - 1) * size, limit: size, sort });
    const tookMs = Math.round((performance.now() - t) * 100) / 100;
    const papers = new Map(getPapers(db, result.hits.map((h) => h.id)).map((p) => [p.id, p]));
    const results = result.hits.flatMap((h: SearchHit) => {
      const p = papers.get(h.id);
      if (!p) return [];
      const matcher = termMatcher(h.terms.length ? h.terms : result.highlightTerms);
      const highlights: { title?: string; abstract?: string } = {};
      // One pass each: a highlight without a mark is not sent.
      const title = highlight(p.title, matcher);
      const abstract = highlight(p.abstract, matcher);
      if (title.includes('<mark>')) highlights.title = title;
      if (abstract.includes('<mark>')) highlights.abstract = abstract;
      return [{ ...paperSummary(p, h.score), highlights }];
    });
    // With date order, `total` counts the matches that were ordered (at most DATE_SORT_MAX) and `matches` all of them.
    const cut = result.dateSortedOf !== null && result.matches > result.dateSortedOf;
    return c.json({
      query: q,
      page,
      size,
      sort,
      total: result.total,
      matches: result.matches,
      ...(cut ? { note: `newest first among the ${DATE_SORT_MAX} best of ${result.matches} matches` } : {}),
      tookMs,
      suggestion: result.suggestion ?? null,
      ...(await queryHint(q, translator)),
      results,
    });
  });

  const relatedJson = (terms: string[], hits: SearchHit[]) => {
    const papers = new Map(getPapers(db, hits.map((h) => h.id)).map((p) => [p.id, p]));
    return {
      terms,
      results: hits.flatMap((h) => {
        const p = papers.get(h.id);
        return p ? [{ ...paperSummary(p, h.score), terms: h.terms }] : [];
      }),
    };
  };

  app.get(`/api/papers/:id{${ARXIV_ID_PATTERN}}/related`, async (c) => {
    const raw = c.req.param('id') ?? '';
    const size = positiveIntParam(c, 'size', 10, MAX_PAGE_SIZE);
    const parsed = parseArxivId(raw);
    const t = performance.now();
    const related = parsed ? await engine().related(parsed.id, size) : null;
    if (!related) return c.json({ error: `no paper with id ${raw}` }, 404);
    const tookMs = Math.round((performance.now() - t) * 100) / 100;
    return c.json({ id: parsed!.id, tookMs, ...relatedJson(related.terms, related.hits) });
  });

  app.get('/api/related', async (c) => {
    const q = c.req.query('q') ?? '';
    const size = positiveIntParam(c, 'size', 10, MAX_PAGE_SIZE);
    if (q.length > MAX_RELATED_TEXT) throw new BadRequest(`text too long: at most ${MAX_RELATED_TEXT} characters`);
    const t = performance.now();
    const related = await engine().relatedText(q.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '), size);
    const tookMs = Math.round((performance.now() - t) * 100) / 100;
    return c.json({ query: q, tookMs, ...relatedJson(related.terms, related.hits) });
  });

  return app;
}
