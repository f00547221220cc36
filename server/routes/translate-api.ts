// Translation endpoints used by the translation toggle:
//   GET  /api/translate/status            is it on, which language
//   POST /api/translate        {ids:[…]}  a listing chunk, one batched request
//   POST /api/translate/<id>              one paper
// Cached translations are free; new ones cost the provider money, so they need
// the ADMIN_TOKEN (when set) as a bearer token or fit in a per-client budget,
// and all of them together fit in the site's daily cap (TRANSLATE_DAILY_MAX).
// Posts from other sites and non-JSON bodies never get here (guard.ts).
import { Hono, type Context } from 'hono';
import type { RouteDeps } from '../app.ts';
import { getPapers } from '../../db/queries.ts';
import { ARXIV_ID_PATTERN, parseArxivId, type Paper } from '../../db/paper.ts';
import { DailyCapError, Translator, TranslationError } from '../translate.ts';
import { clientKey, RateLimiter } from './page-util.ts';

const MAX_BATCH = 25;
/** New (uncached) paper translations a client may ask for per window. */
const BUDGET = 60;
const WINDOW_MS = 10 * 60_000;

export function translateRoutes(deps: RouteDeps & { translator: Translator }): Hono {
  const { db, translator } = deps;
  const app = new Hono();
  const limiter = new RateLimiter(BUDGET, WINDOW_MS);

  const answer = async (c: Context, papers: Paper[]) => {
    const lang = translator.allowedLang(c.req.query('lang') ?? translator.lang);
    if (!lang) return c.json({ error: `lang must be one of ${translator.languages().join(', ')}` }, 400);
    const uncached = papers.filter((p) => !translator.cached(p, lang));
    if (uncached.length) {
      if (!translator.provider) {
        return c.json({ error: 'translation is not configured', howto: 'set TRANSLATE_API_URL, TRANSLATE_API_KEY and TRANSLATE_MODEL' }, 503);
      }
      const verdict = deps.tokens.check(c);
      if (verdict === 'blocked') return c.json({ error: 'too many failed attempts; try again later' }, 429);
      if (verdict === 'wrong') return c.json({ error: 'wrong bearer token' }, 401);
      if (verdict !== 'admin' && !limiter.take(clientKey(c), uncached.length)) {
        return c.json({ error: 'too many new translations from this client; try again in a few minutes' }, 429);
      }
    }
    try {
      const done = await translator.translate(papers, lang);
      const out: Record<string, { titleHtml: string; abstractHtml: string }> = {};
      // Every formula typeset (no budget): the toggle swaps this HTML in as it is.
      const typeset = async (text: string) => (await deps.math.render((m) => m.html(text), Infinity)).html;
      for (const p of papers) {
        const t = done.get(p.id);
        if (t) out[p.id] = { titleHtml: await typeset(t.title), abstractHtml: await typeset(t.abstract) };
      }
      return c.json({ lang, papers: out });
    } catch (err) {
      if (err instanceof DailyCapError) return c.json({ error: err.message }, 429);
      const message = err instanceof TranslationError ? err.message : `translation failed: ${(err as Error).message}`;
      return c.json({ error: message }, 502);
    }
  };

  app.get('/api/translate/status', (c) => c.json(translator.info()));

  app.post('/api/translate', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'send JSON: {"ids": ["2405.01234", …]}' }, 400);
    }
    const raw = (body as { ids?: unknown })?.ids;
    if (!Array.isArray(raw) || !raw.length || raw.length > MAX_BATCH || !raw.every((x) => typeof x === 'string')) {
      return c.json({ error: `ids must be a list of 1 to ${MAX_BATCH} arXiv ids` }, 400);
    }
    const ids = [...new Set(raw.map((x) => parseArxivId(x as string)?.id).filter((x): x is string => !!x))];
    const papers = getPapers(db, ids);
    if (!papers.length) return c.json({ error: 'none of these papers is in the collection' }, 404);
    return answer(c, papers);
  });

  app.post(`/api/translate/:id{${ARXIV_ID_PATTERN}}`, (c) => {
    const id = parseArxivId(c.req.param('id') ?? '')?.id;
    const papers = id ? getPapers(db, [id]) : [];
    if (!papers.length) return c.json({ error: `no paper with id ${c.req.param('id')}` }, 404);
    return answer(c, papers);
  });

  return app;
}
