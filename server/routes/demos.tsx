// /demos and /demos/<name>: the runnable demos of the low-rank, Top-k, msign and
// entropy-softmax algorithms, plus their JSON twins under /api/demos. The numeric work runs
// in the browser (web/demos/demo.page.ts, in a worker for large inputs); the server renders
// the explanations with MathJax and the related papers from our own search index.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../app.ts';
import { Layout, page } from '../views/layout.tsx';
import { htmlNotFound } from './page-util.ts';
import { getPapers } from '../../db/queries.ts';
import { DEMO_TOPICS, findDemo, demoUrl, type DemoTopic, DEFAULTS, TOPK_LABELS, LIMITS, SCHEDULE_LABELS, TOPK_METHODS } from '../../lib/demos.ts';
import { LowRankText, TopkText, MsignText, EntropyText } from '../views/demos/text.tsx';

const ROOT = join(import.meta.dirname, '..', '..');
const STYLES: Record<string, string> = {
  'uplot.css': readFileSync(join(ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8'),
  'demos.css': readFileSync(join(ROOT, 'web', 'demos', 'demos.css'), 'utf8'),
};

interface RelatedPaper {
  id: string;
  title: string;
  url: string;
}

async function related(deps: AppDeps, topic: DemoTopic): Promise<{ papers: RelatedPaper[]; error: string | null }> {
  if (!deps.search) return { papers: [], error: 'search is not available on this server' };
  try {
    const { hits } = await deps.search.search(topic.relatedQuery, { limit: 5 });
    const papers = getPapers(deps.db, hits.map((h) => h.id));
    return { papers: papers.map((p) => ({ id: p.id, title: p.title, url: `/arxiv/${p.id}` })), error: null };
  } catch (err) {
    return { papers: [], error: `search failed: ${(err as Error).message}` };
  }
}

function Related({ topic, papers, error }: { topic: DemoTopic; papers: RelatedPaper[]; error: string | null }) {
  const more = `/arxiv/search?query=${encodeURIComponent(topic.relatedQuery)}`;
  return (
    <section class="demo-related" data-role="related">
      <h2>Related papers in our index</h2>
      <p class="muted">
        Stored query: <a href={more}>“{topic.relatedQuery}”</a>
      </p>
      {error ? (
        <p class="note">{error}</p>
      ) : papers.length ? (
        <ul>
          {papers.map((p) => (
            <li>
              <a href={p.url}>{p.title}</a> <span class="muted">arXiv:{p.id}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="note">No papers in the index match yet.</p>
      )}
    </section>
  );
}

const num = (name: string, label: string, value: number, attrs: Record<string, string | number> = {}) => (
  <label>
    {label} <input type="number" name={name} value={String(value)} {...attrs} />
  </label>
);

function MatrixSource({ spec, withRank }: { spec: { rows: number; cols: number; rank: number; decay: number; noise: number; seed: number }; withRank: boolean }) {
  return (
    <fieldset>
      <legend>Matrix</legend>
      <label>
        <input type="radio" name="source" value="random" checked /> random
      </label>
      <label>
        <input type="radio" name="source" value="pasted" /> pasted numbers
      </label>
      <div class="row">
        {num('rows', 'rows', spec.rows, { min: 1, max: LIMITS.maxDim })}
        {num('cols', 'columns', spec.cols, { min: 1, max: LIMITS.maxDim })}
        {withRank ? num('rank', 'rank', spec.rank, { min: 1, max: LIMITS.maxDim }) : ''}
        {num('decay', 'spectrum decay σᵢ₊₁/σᵢ', spec.decay, { min: 0.01, max: 1, step: 0.01 })}
        {num('noise', 'noise', spec.noise, { min: 0, max: 10, step: 'any' })}
        {num('seed', 'seed', spec.seed, { min: 0, step: 1 })}
      </div>
      <label class="paste">
        Pasted matrix (one row per line, numbers separated by spaces or commas)
        <textarea name="matrix" rows={4} placeholder={'1 2 3\n4 5 6\n7 8 10'}></textarea>
      </label>
    </fieldset>
  );
}

function Plot({ name, caption }: { name: string; caption: string }) {
  return (
    <figure class="demo-plot">
      <figcaption>{caption}</figcaption>
      <div data-plot={name} role="img" aria-label={caption}></div>
    </figure>
  );
}

function Status() {
  return <p class="demo-status" data-role="status" aria-live="polite"></p>;
}

function LowRankBody() {
  const d = DEFAULTS.lowRank;
  return (
    <>
      <LowRankText />
      <form class="demo-input" data-role="input">
        <MatrixSource spec={d} withRank={true} />
        <fieldset>
          <legend>Inspect</legend>
          {num('r', 'rank r for the tables', d.r, { min: 1, max: LIMITS.maxDim })}
        </fieldset>
      </form>
      <Status />
      <div class="plots">
        <Plot name="spectrum" caption="Singular values σᵢ (log scale)" />
        <Plot name="errors" caption="‖M − approximation‖_F against rank; the SVD is the floor" />
      </div>
      <div data-role="tables"></div>
    </>
  );
}

function TopkBody() {
  const d = DEFAULTS.topk;
  return (
    <>
      <TopkText />
      <form class="demo-input" data-role="input">
        <fieldset>
          <legend>Input</legend>
          <label class="wide">
            x <input type="text" name="x" value={d.x.join(' ')} size={40} />
          </label>
          <div class="row">
            {num('k', 'k', d.k, { min: 1, max: LIMITS.maxTopkN })}
            {num('tau', 'temperature τ', d.tau, { min: 0.001, step: 'any' })}
            <label>
              method for the left plot{' '}
              <select name="method">
                {TOPK_METHODS.map((m) => (
                  <option value={m} selected={m === 'grad'}>
                    {TOPK_LABELS[m]}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" data-role="randomize">
              random x
            </button>
          </div>
        </fieldset>
      </form>
      <Status />
      <div class="plots">
        <Plot name="entries" caption="Each output pᵢ as τ sweeps from 0.01 to 10 (log scale)" />
        <Plot name="mass" caption="Total mass on the true top k as τ sweeps, per method" />
      </div>
      <div data-role="tables"></div>
    </>
  );
}

function MsignBody() {
  const d = DEFAULTS.msign;
  return (
    <>
      <MsignText />
      <form class="demo-input" data-role="input">
        <MatrixSource spec={d} withRank={true} />
        <fieldset>
          <legend>Iteration</legend>
          <label>
            schedule{' '}
            <select name="schedule">
              {Object.entries(SCHEDULE_LABELS).map(([k, label]) => (
                <option value={k} selected={k === d.schedule}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" name="renorm" /> rescale during the first step
          </label>
        </fieldset>
      </form>
      <Status />
      <div class="plots">
        <Plot name="maps" caption="Scalar map after each step, x₀ on a log axis" />
        <Plot name="steps" caption="Singular values of Xₜ at each step (measured by SVD)" />
      </div>
      <div data-role="tables"></div>
    </>
  );
}

function EntropyBody() {
  const d = DEFAULTS.entropy;
  return (
    <>
      <EntropyText />
      <form class="demo-input" data-role="input">
        <fieldset>
          <legend>Random queries and keys</legend>
          <div class="row">
            {num('d', 'head size d', d.d, { min: 1, max: 512 })}
            {num('maxN', 'longest n', d.maxN, { min: 2, max: 8192 })}
            {num('queries', 'queries', d.queries, { min: 1, max: 64 })}
            {num('kappa', 'κ', d.kappa, { min: 0.01, max: 99, step: 'any' })}
            {num('seed', 'seed', d.seed, { min: 0 })}
          </div>
        </fieldset>
      </form>
      <Status />
      <div class="plots">
        <Plot name="entropy" caption="Mean attention entropy against n (log scale); log n is the uniform ceiling" />
      </div>
      <div data-role="tables"></div>
    </>
  );
}

const BODIES: Record<string, () => Child> = {
  'low-rank': LowRankBody,
  topk: TopkBody,
  msign: MsignBody,
  'entropy-softmax': EntropyBody,
};

const head = (
  <>
    <link rel="stylesheet" href="/demos/assets/uplot.css" />
    <link rel="stylesheet" href="/demos/assets/demos.css" />
  </>
);

export function demosRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get('/demos/assets/:file', (c) => {
    const body = STYLES[c.req.param('file')];
    if (body === undefined) return c.json({ error: 'no such asset' }, 404);
    return c.body(body, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' });
  });

  app.get('/demos', (c) =>
    c.html(
      page(
        <Layout title="Demos" head={head}>
          <h1>Demos</h1>
          <p>
            Runnable versions of the algorithms from a series of posts on low-rank approximation, smooth Top-k, the matrix sign
            and softmax scaling. Everything runs in your browser on inputs you choose; the same code is checked against
            NumPy and SciPy reference values.
          </p>
          <ul class="demo-index">
            {DEMO_TOPICS.map((t) => (
              <li>
                <a href={demoUrl(t.name)}>{t.title}</a>
                <p class="muted">{t.summary}</p>
              </li>
            ))}
          </ul>
        </Layout>,
      ),
    ),
  );

  app.get('/demos/:name', async (c) => {
    const topic = findDemo(c.req.param('name'));
    if (!topic) return htmlNotFound(c, 'There is no demo by that name.');
    const Body = BODIES[topic.name];
    const rel = await related(deps, topic);
    return c.html(
      page(
        <Layout title={topic.title} head={head} scripts={['demo.page']} width="wide">
          <p class="crumbs">
            <a href="/demos">Demos</a>
          </p>
          <article class="demo" data-demo={topic.name}>
            <h1>{topic.title}</h1>
            <Body />
            <Related topic={topic} {...rel} />
          </article>
        </Layout>,
      ),
    );
  });

  app.get('/api/demos', (c) => c.json({ demos: DEMO_TOPICS.map((t) => ({ name: t.name, title: t.title, summary: t.summary, url: demoUrl(t.name) })) }));

  app.get('/api/demos/:name', async (c) => {
    const topic = findDemo(c.req.param('name'));
    if (!topic) return c.json({ error: 'no such demo' }, 404);
    const r = await related(deps, topic);
    return c.json({ name: topic.name, title: topic.title, summary: topic.summary, url: demoUrl(topic.name), relatedQuery: topic.relatedQuery, related: r.papers, relatedError: r.error });
  });

  return app;
}
