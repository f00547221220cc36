// The paper page `/arxiv/<id>` (ids with a dot or a slash, with or without
// version), `/abs/<id>` and `/pdf/<id>` redirects so swapping the host of an
// arxiv.org URL works, the reading list `/stars?ids=…`, and their JSON twins.
import { Hono } from 'hono';
import type { RouteDeps } from '../app.ts';
import { getPaper, getPapers } from '../../db/queries.ts';
import { plainText } from '../../lib/textex.ts';
import { ARXIV_ID_PATTERN, paperDate, paperDateText, paperJson, parseArxivId, type Paper } from '../../db/paper.ts';
import type { RelatedResult, SearchEngine } from '../../search/types.ts';
import { PAPER_BUDGET_MS, type MathContext } from '../math/service.ts';
import { Layout, page } from '../views/layout.tsx';
import { bibtex, citationMeta } from '../views/cite.ts';
import { Authors, Categories, paperChunkHtml, ReadLink, StarButton, TranslateToggle, type TranslateInfo } from '../views/papers.tsx';
import { htmlNotFound, PAGE_CACHE_CONTROL, PageCache } from './page-util.ts';
import { canonicalIdOr } from './arxiv-ids.ts';
import { lookupResponse, lookupStates } from './lookup.tsx';
import { FaqSection, type FaqInfo } from '../views/faq.tsx';
import { demosForPaper } from '../../lib/demos.ts';

const ID = `:id{${ARXIV_ID_PATTERN}}`;
const RELATED = 10;

async function safeRelated(search: SearchEngine | undefined, id: string): Promise<RelatedResult | null> {
  if (!search) return null;
  try {
    return await search.related(id, RELATED);
  } catch (err) {
    console.error(`related papers for ${id} failed: ${(err as Error).message}`);
    return null;
  }
}

function LicenseLink({ url }: { url: string }) {
  return /^https?:\/\//.test(url) ? <a href={url}>{url.replace(/^https?:\/\//, '')}</a> : <>{url}</>;
}

function PaperPage(props: { m: MathContext; paper: Paper; tr: TranslateInfo; origin: string; faq: FaqInfo }) {
  const { paper: p, m } = props;
  const titleHtml = m.html(p.title);
  const abstractHtml = m.html(p.abstract);
  const bib = bibtex(p);
  const demos = demosForPaper(p.title, p.abstract);
  return (
    <Layout
      title={plainText(p.title)}
      scripts={props.faq.enabled ? ['faq'] : undefined}
      head={
        <>
          {citationMeta(p).map(([name, content]) => (
            <meta name={name} content={content} />
          ))}
          <link rel="canonical" href={`${props.origin}/arxiv/${p.id}`} />
        </>
      }
    >
      <article class="paper paper-full" data-id={p.id}>
        <div class="paper-head">
          <h1 class="paper-title" dangerouslySetInnerHTML={{ __html: titleHtml }}></h1>
          <StarButton id={p.id} />
        </div>
        <h1 class="paper-title tr" data-tr="title" hidden></h1>
        <p class="meta">
          <Authors names={p.authors} />
        </p>
        <dl class="facts">
          <dt>arXiv</dt>
          <dd>
            {p.id}
            {p.version ? `v${p.version}` : ''}
          </dd>
          <dt>Categories</dt>
          <dd>
            <Categories cats={p.categories} named />
          </dd>
          <dt>{p.published ? 'Submitted' : 'Date'}</dt>
          <dd>
            <time datetime={paperDate(p).date}>{paperDateText(paperDate(p))}</time>
          </dd>
          {p.updated && p.updated !== p.published ? (
            <>
              <dt>Updated</dt>
              <dd>{p.updated}</dd>
            </>
          ) : null}
          {p.comments ? (
            <>
              <dt>Comments</dt>
              <dd dangerouslySetInnerHTML={{ __html: m.html(p.comments) }}></dd>
            </>
          ) : null}
          {p.journalRef ? (
            <>
              <dt>Journal</dt>
              <dd>{p.journalRef}</dd>
            </>
          ) : null}
          {p.doi ? (
            <>
              <dt>DOI</dt>
              <dd>
                <a href={`https://doi.org/${p.doi}`}>{p.doi}</a>
              </dd>
            </>
          ) : null}
          {p.license ? (
            <>
              <dt>License</dt>
              <dd>
                <LicenseLink url={p.license} />
              </dd>
            </>
          ) : null}
        </dl>
        <p class="links">
          <a href={`https://arxiv.org/abs/${p.id}`}>arXiv abstract</a>
          <a href={`https://arxiv.org/pdf/${p.id}`}>PDF</a>
          <a href={`https://arxiv.org/html/${p.id}`}>HTML</a>
          <ReadLink id={p.id} />
          <button type="button" class="copy-bibtex" data-copy-target="bibtex">
            Copy BibTeX
          </button>
        </p>
        <TranslateToggle info={props.tr} scope="paper" />
        <div class="abstract-pair">
          <p class="abstract" dangerouslySetInnerHTML={{ __html: abstractHtml }}></p>
          <p class="abstract tr" data-tr="abstract" hidden></p>
        </div>
        {demos.length ? (
          <p class="demo-links">
            Try it:{' '}
            {demos.map((d, i) => (
              <>
                {i ? ' · ' : ''}
                <a href={d.url}>{d.title}</a>
              </>
            ))}
          </p>
        ) : null}
        <details class="bibtex">
          <summary>BibTeX</summary>
          <pre id="bibtex">{bib}</pre>
        </details>
        <FaqSection id={p.id} info={props.faq} />
      </article>
      {/* Related papers cost a search; they arrive as a fragment so the page itself stays fast. */}
      <section class="related" data-related-src={`/arxiv/${p.id}/related?fragment=1`}>
        <h2>Related papers</h2>
        <p>
          <a href={`/arxiv/${p.id}/related`}>Show related papers</a>
        </p>
      </section>
    </Layout>
  );
}

function RelatedList(props: { m: MathContext; related: RelatedResult | null; relatedPapers: Paper[]; searchOn: boolean }) {
  const hitTerms = new Map((props.related?.hits ?? []).map((h) => [h.id, h.terms]));
  return (
    <>
      <h2>Related papers</h2>
      {!props.searchOn ? (
        <p class="note">Search is unavailable, so related papers cannot be listed right now.</p>
      ) : !props.related || !props.relatedPapers.length ? (
        <p class="note">No related papers found.</p>
      ) : (
        <>
          {props.related.terms.length ? <p class="because">Found through: {props.related.terms.slice(0, 12).join(', ')}</p> : null}
          <ol>
            {props.relatedPapers.map((r) => (
              <li>
                <a href={`/arxiv/${r.id}`} dangerouslySetInnerHTML={{ __html: props.m.html(r.title) }}></a>
                <span class="muted">
                  {' '}
                  · {r.authors.slice(0, 3).join(', ')}
                  {r.authors.length > 3 ? ' et al.' : ''} · {r.categories[0]}
                </span>
                {hitTerms.get(r.id)?.length ? <span class="because"> — because: {hitTerms.get(r.id)!.slice(0, 6).join(', ')}</span> : null}
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}

function StarsPage(props: { ids: string[]; papers: Paper[]; chunk: string }) {
  const missing = props.ids.filter((id) => !props.papers.some((p) => p.id === id));
  return (
    <Layout title="Reading list" scripts={['lazy', 'filter']} styles={['filter']}>
      <section class="listing-head stars-page" data-stars-page data-ids={props.ids.join(',')}>
        <h1>Reading list</h1>
        <p class="summary">
          {props.ids.length
            ? `${props.papers.length} starred papers.`
            : 'No stars yet. Star a paper with ☆; the list lives in this browser only, no account needed.'}
        </p>
        <p class="export">
          Export: <a href="/stars" data-export-link>this list as a link</a> · <a href="/api/stars" data-export-json>as JSON</a>
        </p>
        {missing.length ? <p class="note">Not in this collection: {missing.join(', ')}</p> : null}
      </section>
      <section class="papers" data-papers dangerouslySetInnerHTML={{ __html: props.chunk }}></section>
    </Layout>
  );
}

function starIds(raw: string | undefined): string[] {
  if (!raw) return [];
  const out: string[] = [];
  for (const part of raw.split(',').slice(0, 500)) {
    let text = part;
    try {
      text = decodeURIComponent(part);
    } catch {
      // A stray "%" is not an escape: read the part as written.
    }
    const id = parseArxivId(text)?.id;
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

export function paperRoutes(deps: RouteDeps & { translateInfo: () => TranslateInfo }): Hono {
  const { db, search, math } = deps;
  const app = new Hono();
  const cache = new PageCache(db);

  // A page typesets for a bounded time like a listing; one left with pending
  // formulas is not kept (PageCache), so the next reader gets them typeset (by then cached).
  const faqInfo: FaqInfo = { enabled: !!deps.assistant, lang: deps.assistant?.defaultLang ?? 'en' };
  const render = (p: Paper, origin: string) =>
    cache.getPage(`paper:${origin}:${p.id}`, () =>
      math.render((m) => page(<PaperPage m={m} paper={p} tr={deps.translateInfo()} origin={origin} faq={faqInfo} />), PAPER_BUDGET_MS),
    );

  // Its titles are typeset like a listing's, and a list left with pending formulas is not kept either.
  const relatedHtml = (p: Paper) =>
    cache.getAsync(`related:${p.id}`, async () => {
      const related = await safeRelated(search, p.id);
      const relatedPapers = related ? getPapers(db, related.hits.map((h) => h.id)) : [];
      return math.render((m) => String(<RelatedList m={m} related={related} relatedPapers={relatedPapers} searchOn={!!search} />));
    });

  app.get(`/arxiv/${ID}/related`, async (c) => {
    const want = canonicalIdOr(c, c.req.param('id') ?? '', { prefix: '/arxiv/', suffix: '/related', json: false });
    if (want instanceof Response) return want;
    const p = getPaper(db, want.id);
    if (!p) return htmlNotFound(c, `There is no paper ${want.id} in this collection (yet).`);
    const list = await relatedHtml(p);
    if (c.req.query('fragment')) return c.html(list);
    const { html } = await math.render(
      (m) =>
        page(
          <Layout title={`Related to ${plainText(p.title)}`}>
            <p class="back">
              ← <a href={`/arxiv/${p.id}`} dangerouslySetInnerHTML={{ __html: m.html(p.title) }}></a>
            </p>
            <section class="related" dangerouslySetInnerHTML={{ __html: list }}></section>
          </Layout>,
        ),
      PAPER_BUDGET_MS,
    );
    return c.html(html);
  });

  app.get(`/arxiv/${ID}`, async (c) => {
    const want = canonicalIdOr(c, c.req.param('id') ?? '', { prefix: '/arxiv/', json: false });
    if (want instanceof Response) return want;
    const p = getPaper(db, want.id);
    if (!p) return lookupResponse(c, want.id, lookupStates(c, deps.onDemand, [want.id]).get(want.id)!, false);
    return (await render(p, deps.origin(c))).respond(c, deps.encoding, PAGE_CACHE_CONTROL);
  });

  app.get(`/api/arxiv/${ID}`, async (c) => {
    const want = canonicalIdOr(c, c.req.param('id') ?? '', { prefix: '/api/arxiv/', json: true });
    if (want instanceof Response) return want;
    const p = getPaper(db, want.id);
    if (!p) return lookupResponse(c, want.id, lookupStates(c, deps.onDemand, [want.id]).get(want.id)!, true);
    const related = await safeRelated(search, p.id);
    return c.json({
      ...paperJson(p),
      links: { abs: `https://arxiv.org/abs/${p.id}`, pdf: `https://arxiv.org/pdf/${p.id}`, html: `https://arxiv.org/html/${p.id}` },
      bibtex: bibtex(p),
      related: related ? { terms: related.terms, papers: related.hits.map((h) => ({ id: h.id, score: h.score, because: h.terms })) } : null,
    });
  });

  // arxiv.org URLs with the host swapped: /abs/<id>, /pdf/<id>, /pdf/<id>.pdf, /html/<id>.
  for (const kind of ['abs', 'pdf', 'html']) {
    app.get(`/${kind}/:id{(?:${ARXIV_ID_PATTERN})(?:\\.pdf)?}`, (c) => {
      const parsed = parseArxivId(c.req.param('id') ?? '');
      if (!parsed) return htmlNotFound(c, 'That is not an arXiv id.');
      return c.redirect(`/arxiv/${parsed.id}`, 301);
    });
  }

  app.get('/stars', async (c) => {
    const ids = starIds(c.req.query('ids'));
    const papers = getPapers(db, ids);
    const { html: chunk } = await paperChunkHtml(math, papers, { offset: 0, next: null });
    return c.html(page(<StarsPage ids={ids} papers={papers} chunk={chunk} />));
  });

  app.get('/api/stars', (c) => {
    const ids = starIds(c.req.query('ids'));
    return c.json({ ids, papers: getPapers(db, ids).map(paperJson) });
  });

  return app;
}
