// /api/papers/:id — one paper. Ids keep their dot (2405.01234) or slash (hep-th/9901001).
import { Hono } from 'hono';
import type { AppDeps } from '../app.ts';
import { getPaper } from '../../db/queries.ts';
import { ARXIV_ID_PATTERN, paperJson, parseArxivId } from '../../db/paper.ts';

export function papersRoutes({ db }: AppDeps): Hono {
  const app = new Hono();
  app.get(`/api/papers/:id{${ARXIV_ID_PATTERN}}`, (c) => {
    const raw = c.req.param('id') ?? '';
    const parsed = parseArxivId(raw);
    const paper = parsed && getPaper(db, parsed.id);
    if (!paper) return c.json({ error: `no paper with id ${raw}` }, 404);
    return c.json(paperJson(paper));
  });
  return app;
}
