// Multi-paper pages: `/arxiv/<id1>,<id2>,…` (up to 100 ids, as Cool Papers'
// browser extension opens them) shows those papers in the order given, as
// listing cards (stars, typeset math, translation toggle). Ids the database
// lacks are looked up at arXiv as on a paper page, in one API request; the
// page says where each stands and fills itself in. JSON twin under /api.
import { Hono, type Context } from 'hono';
import type { RouteDeps } from '../app.ts';
import { getPapers } from '../../db/queries.ts';
import { EXAMPLE_ID, paperJson, readIdInput } from '../../db/paper.ts';
import type { LookupState } from '../../scripts/crawler/ondemand.ts';
import { Layout, page } from '../views/layout.tsx';
import { errorPage } from '../views/errors.tsx';
import { paperChunkHtml, TranslateToggle, type TranslateInfo } from '../views/papers.tsx';
import { canonicalPath, decodeSegment } from './arxiv-ids.ts';
import { LookupNote, lookupJson, lookupStates, POLL_MS } from './lookup.tsx';

/** Most ids one page shows. */
export const MAX_IDS = 100;

type Parsed = { kind: 'ids'; ids: string[]; canonical: boolean } | { kind: 'bad'; message: string } | { kind: 'other' };

/** Reads `a,b,c`: every part an id (duplicates dropped, order kept), or why not; `other` when it is no id list at all. */
export function readIdList(raw: string): Parsed {
  if (!raw.includes(',')) return { kind: 'other' };
  const parts = raw.split(',').map((s) => s.trim());
  if (readIdInput(parts[0]).kind === 'other') return { kind: 'other' }; // a category union such as cs.CL,cs.LG
  if (parts.length > MAX_IDS) return { kind: 'bad', message: `A page shows at most ${MAX_IDS} papers; this address names ${parts.length}.` };
  const ids: string[] = [];
  const bad: string[] = [];
  for (const part of parts) {
    if (!part) continue;
    const input = readIdInput(part);
    if (input.kind !== 'id') bad.push(part);
    else if (!ids.includes(input.id)) ids.push(input.id);
  }
  if (bad.length) {
    const shown = bad.slice(0, 5).map((b) => `“${b.length > 40 ? `${b.slice(0, 40)}…` : b}”`).join(', ');
    return { kind: 'bad', message: `${shown} ${bad.length === 1 ? 'is not an arXiv id' : 'are not arXiv ids'}. An id looks like ${EXAMPLE_ID} or hep-th/9901001; separate ids with commas.` };
  }
  return { kind: 'ids', ids, canonical: ids.join(',') === raw };
}

function MultiPage(props: { ids: string[]; chunk: string; states: Map<string, LookupState>; tr: TranslateInfo }) {
  const fetching = [...props.states.values()].some((s) => s.state === 'fetching');
  const list = props.ids.join(',');
  return (
    <Layout title={`${props.ids.length} papers`} scripts={fetching ? ['lazy', 'fetching'] : ['lazy']}>
      <section class="listing-head multi-page" data-poll={fetching ? `/api/arxiv/${list}` : undefined} data-poll-ms={String(POLL_MS)}>
        <h1>{props.ids.length} papers</h1>
        <p class="summary">
          {props.ids.length - props.states.size} of {props.ids.length} shown, in the order asked
          {props.states.size ? `; ${props.states.size} not held here` : ''}.
        </p>
        <TranslateToggle info={props.tr} scope="page" />
      </section>
      <section class="papers" data-papers dangerouslySetInnerHTML={{ __html: props.chunk }}></section>
      {props.states.size ? (
        <section class="lookups">
          <h2>From arXiv</h2>
          {[...props.states].map(([id, state]) => (
            <LookupNote id={id} state={state} />
          ))}
          {fetching ? <p class="note">This page fills itself in as papers arrive; without JavaScript, reload it in a few seconds.</p> : null}
        </section>
      ) : null}
    </Layout>
  );
}

export function multiPaperRoutes(deps: RouteDeps & { translateInfo: () => TranslateInfo }): Hono {
  const { db, math } = deps;
  const app = new Hono();

  const answer = async (c: Context, prefix: string, next: () => Promise<void>) => {
    const json = prefix.startsWith('/api/');
    const raw = decodeSegment(new URL(c.req.url).pathname.slice(prefix.length));
    const list = readIdList(raw);
    if (list.kind === 'other') return next();
    if (list.kind === 'bad') {
      return json ? c.json({ error: list.message, example: EXAMPLE_ID }, 400) : c.html(errorPage(400, 'Not a list of arXiv ids', list.message), 400);
    }
    if (!list.canonical) return c.redirect(canonicalPath(c, prefix, list.ids.join(',')), 301);
    const held = getPapers(db, list.ids);
    const byId = new Map(held.map((p) => [p.id, p]));
    const papers = list.ids.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
    const missing = list.ids.filter((id) => !byId.has(id));
    const states = missing.length ? lookupStates(c, deps.onDemand, missing) : new Map<string, LookupState>();
    const fetching = [...states.values()].some((s) => s.state === 'fetching');
    const headers: Record<string, string> = fetching ? { 'cache-control': 'no-store', 'retry-after': String(Math.ceil(POLL_MS / 1000)) } : {};
    if (json) {
      return c.json(
        { ids: list.ids, status: fetching ? 'fetching' : 'done', papers: papers.map(paperJson), missing: [...states].map(([id, s]) => lookupJson(id, s)) },
        fetching ? 202 : 200,
        headers,
      );
    }
    const { html: chunk } = await paperChunkHtml(math, papers, { offset: 0, next: null });
    return c.html(page(<MultiPage ids={list.ids} chunk={chunk} states={states} tr={deps.translateInfo()} />), fetching ? 202 : 200, headers);
  };

  app.get('/arxiv/*', (c, next) => answer(c, '/arxiv/', next));
  app.get('/api/arxiv/*', (c, next) => answer(c, '/api/arxiv/', next));
  return app;
}
