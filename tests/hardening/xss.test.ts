// An OWASP-style XSS corpus stored in every text field a paper has (title,
// abstract, authors, comments, journal ref, DOI, license, TeX, category
// names) and sent in query strings, rendered through every page, fragment
// and feed, and checked in Chromium: no script runs (payloads call
// window.__xss, alert or print, all watched), CSP reports no blocked attempt,
// and no element carries an event handler, a javascript: URL or a tag the
// payloads introduced. One browser for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch, type Announcement } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { launchChromium, tempDir } from '../helpers.ts';
import { startPagesServer, type PagesServer } from '../pages/server.ts';

/** Each calls window.__xss(n) (or a dialog) if it ever runs. */
const PAYLOADS = [
  '<script>__xss(1)</script>',
  '<img src=x onerror=__xss(2)>',
  '<svg onload=__xss(3)>',
  '"><script>__xss(4)</script>',
  "'><img src=x onerror=__xss(5)>",
  '<iframe src="javascript:__xss(6)"></iframe>',
  '<a href="javascript:__xss(7)">x</a>',
  '<body onload=__xss(8)>',
  '<details open ontoggle=__xss(9)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=__xss(10)>',
  '<scr<script>ipt>__xss(11)</script>',
  '"onmouseover="__xss(12)" x="',
  "' autofocus onfocus='__xss(13)",
  '<object data="javascript:__xss(14)">',
  '<base href="javascript:__xss(15)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:__xss(16)">',
  '<![CDATA[<script>__xss(17)</script>]]>',
  ']]><script xmlns="http://www.w3.org/1999/xhtml">__xss(18)</script>',
  '<form action="javascript:__xss(19)"><button>go</button></form>',
  '<input autofocus onfocus=alert(20)>',
  '<video><source onerror="__xss(21)">',
  '&lt;script&gt;__xss(22)&lt;/script&gt;',
  '%3Cscript%3E__xss(23)%3C/script%3E',
  '<style>@import "javascript:__xss(24)";</style>',
  '</textarea><script>__xss(25)</script>',
  '<noscript><p title="</noscript><img src=x onerror=__xss(26)>">',
  '\u003cimg src=x onerror=__xss(27)\u003e',
  '<a href="&#106;avascript:__xss(28)">y</a>',
  '<svg><a xlink:href="javascript:__xss(29)"><text y="20">z</text></a></svg>',
  '<template><img src=x onerror=__xss(30)></template>',
];

/** The same calls, hidden in TeX: commands that emit links, HTML, styles or ids. */
const TEX_PAYLOADS = [
  '$\\href{javascript:__xss(40)}{click}$',
  '$\\unicode{<img src=x onerror=__xss(41)>}$',
  '$\\style{background:url(javascript:__xss(42))}{x}$',
  '$\\class{x" onmouseover="__xss(43)}{y}$',
  '$\\cssId{x" onclick="__xss(44)}{z}$',
  '$\\require{html}\\href{javascript:__xss(45)}{w}$',
  '$\\text{<script>__xss(46)</script>}$',
  '$\\mathrm{"><img src=x onerror=__xss(47)>}$',
  '$$\\def\\x{<svg onload=__xss(48)>}\\x$$',
  '\\(\\href{javascript:__xss(49)}{a}\\)',
  '$\\newcommand{\\e}{\\href{javascript:__xss(50)}{e}}\\e$',
  '$x</span><script>__xss(51)</script>$',
];

const DAY = '2026-05-04';

function hostilePapers(): Paper[] {
  const all = [...PAYLOADS, ...TEX_PAYLOADS];
  return all.map((p, i) => ({
    id: `2605.${String(90000 + i).padStart(5, '0')}`,
    version: 1,
    title: `Hostile ${i} ${p} learning`,
    abstract: `We study learning ${p} with models. ${all[(i + 7) % all.length]} and more $x^2$.`,
    authors: [`Mallory ${p}`, `Eve ${all[(i + 3) % all.length]}`],
    // A category name is shown and linked: a hostile one rides along with a real one.
    categories: ['cs.LG', i % 5 === 0 ? `cs.${p}` : 'cs.CR'],
    published: DAY,
    updated: DAY,
    comments: `${p} 12 pages`,
    journalRef: i % 2 ? p : null,
    doi: i % 3 ? `10.1000/${p}` : null,
    license: i % 4 ? `javascript:__xss(${100 + i})` : null,
  }));
}

let dir: ReturnType<typeof tempDir>;
let db: Db;
let papers: Paper[];
let srv: PagesServer;
let browser: Browser;

before(async () => {
  dir = tempDir('hardening-xss-');
  db = openDb(join(dir.path, 'papers.db'));
  papers = hostilePapers();
  const announcements: Announcement[] = papers.map((p, i) => ({ date: DAY, category: 'cs.LG', paperId: p.id, announceType: i % 4 ? 'new' : 'cross', position: i + 1 }));
  const r = ingestBatch(db, { papers, announcements });
  assert.equal(r.added, papers.length, 'every hostile record is stored (the ingest path accepts any text)');
  srv = await startPagesServer(db);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

interface Findings {
  ran: string[];
  violations: string[];
  injected: string[];
  /** The page's visible text and form values, where echoed payloads must show as text. */
  text: string;
}

/** One browser context with the traps set once; every inspection reuses its page. */
let trapped: { page: Page; ran: string[] } | null = null;
async function trappedPage(): Promise<{ page: Page; ran: string[] }> {
  if (trapped) return trapped;
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const ran: string[] = [];
  await ctx.exposeFunction('__xssHit', (n: string) => ran.push(`__xss(${n})`));
  await ctx.addInitScript(() => {
    const w = window as unknown as { __xss: (n: unknown) => void; __csp: string[]; __xssHit: (n: string) => void };
    w.__xss = (n) => void w.__xssHit(String(n));
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
    window.print = () => void w.__xssHit('print');
  });
  const page = await ctx.newPage();
  page.on('dialog', (d) => {
    ran.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  trapped = { page, ran };
  return trapped;
}

/** Loads a page with traps set and reports what ran, what CSP blocked and what markup got in. */
async function inspect(path: string, html?: string): Promise<Findings & { status: number }> {
  const { page, ran } = await trappedPage();
  ran.length = 0;
  let status = 200;
  if (html === undefined) {
    const res = await page.goto(srv.url + path, { waitUntil: 'load' });
    status = res?.status() ?? 0;
  } else {
    await page.goto('about:blank');
    await page.setContent(html);
  }
  // Give lazy loaders, autofocus and fragments a moment; hover and focus everything once.
  await page.waitForTimeout(50);
  await page.evaluate(() => {
    for (const el of document.querySelectorAll('*')) {
      el.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
      (el as HTMLElement).focus?.();
    }
  });
  await page.waitForTimeout(50);
  const { violations, injected, text } = await page.evaluate(() => {
    const out: string[] = [];
    const ownScript = /^\/static\/[\w.-]+\.js$/;
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.getAttributeNames()) {
        const v = el.getAttribute(a) ?? '';
        if (/^on/i.test(a)) out.push(`<${el.localName} ${a}="${v}">`);
        if (/^(href|src|action|formaction|data|xlink:href)$/i.test(a) && /^\s*(javascript|data:text\/html|vbscript)/i.test(v)) out.push(`<${el.localName} ${a}="${v}">`);
      }
      const tag = el.localName;
      if (tag === 'script' && !ownScript.test(el.getAttribute('src') ?? '')) out.push(`<script> ${el.outerHTML.slice(0, 80)}`);
      if (['iframe', 'object', 'embed', 'base', 'form', 'input', 'video', 'audio', 'template', 'textarea'].includes(tag) && !el.closest('[data-own-form]')) {
        // The site's own search form is the only form it renders.
        if (!(tag === 'form' && (el.getAttribute('action') ?? '').startsWith('/')) && !(tag === 'input' && el.closest('form[action^="/"]'))) out.push(`<${tag}>`);
      }
      if (tag === 'meta' && el.getAttribute('http-equiv')) out.push(`<meta http-equiv=${el.getAttribute('http-equiv')}>`);
      if (tag === 'img' && !el.closest('mjx-container')) out.push(`<img src=${el.getAttribute('src')}>`);
      if (tag === 'style' && el.closest('main, article, [data-papers]')) out.push('<style> in content');
    }
    const values = [...document.querySelectorAll('input')].map((i) => (i as HTMLInputElement).value).join('\n');
    return { violations: (window as unknown as { __csp: string[] }).__csp, injected: out, text: `${document.body?.innerText ?? ''}\n${values}` };
  });
  return { status, ran: [...ran], violations, injected, text };
}

/** No script ran, nothing blocked, no markup got in, and the status is one of `statuses` (default: 200 only). */
function assertClean(path: string, f: Findings & { status: number }, statuses: readonly number[] = [200]): void {
  assert.ok(statuses.includes(f.status), `${path}: status ${f.status}, expected ${statuses.join(' or ')}`);
  assert.deepEqual(f.ran, [], `${path}: script ran`);
  assert.deepEqual(f.violations, [], `${path}: CSP had to block something`);
  assert.deepEqual(f.injected, [], `${path}: injected markup`);
}

test('the traps themselves catch a payload that runs (checked on a page without our CSP)', async () => {
  const f = await inspect('about:blank', '<p>x</p><img src=x onerror="__xss(0)"><a href="javascript:void 0">y</a>');
  assert.deepEqual(f.ran, ['__xss(0)']);
  assert.ok(f.injected.some((x) => x.includes('onerror')) && f.injected.some((x) => x.includes('javascript:')), f.injected.join(' '));
});

test('stored payloads render inert on every page, fragment and feed', async () => {
  const paths = [
    '/',
    `/arxiv/cs.LG?date=${DAY}`,
    `/arxiv/cs.LG?date=${DAY}&offset=25`,
    `/arxiv/cs.LG/chunk?date=${DAY}&offset=25`,
    '/arxiv/cs.LG?sort=newest',
    `/arxiv/cs.LG?date=${DAY}&sort=keywords&kw=${encodeURIComponent('learning <script>__xss(60)</script>')}`,
    '/arxiv/cs.LG-cs.CR',
    '/arxiv/search?query=hostile',
    '/arxiv/search/chunk?query=hostile&offset=25',
    `/stars?ids=${papers.slice(0, 20).map((p) => p.id).join(',')}`,
    ...papers.map((p) => `/arxiv/${p.id}`),
    ...papers.filter((_, i) => i % 6 === 0).map((p) => `/arxiv/${p.id}/related`),
    ...papers.filter((_, i) => i % 6 === 0).map((p) => `/arxiv/${p.id}/related?fragment=1`),
  ];
  // Every page shows stored payloads as text, visibly (escaped, not dropped).
  for (const path of paths) {
    const f = await inspect(path);
    assertClean(path, f);
    if (path === '/' || path.includes('/related')) continue;
    assert.ok(PAYLOADS.some((p) => f.text.includes(p)), `${path}: no payload shown as text`);
  }
});

test('payloads in query strings and addresses are echoed inert', async () => {
  const paths: string[] = [];
  [...PAYLOADS, ...TEX_PAYLOADS].forEach((p, i) => {
    const q = encodeURIComponent(p);
    const family = [`/arxiv/search?query=${q}`, `/arxiv/search?query=${encodeURIComponent(`"${p}`)}`, `/arxiv/cs.LG?kw=${q}&sort=keywords&date=${q}&offset=${q}`];
    paths.push(family[i % 3]);
  });
  paths.push(
    `/arxiv/search/chunk?query=${encodeURIComponent('"<script>__xss(70)</script>')}`,
    `/stars?ids=${encodeURIComponent('<script>__xss(71)</script>,2605.90001')}`,
    `/arxiv/${encodeURIComponent('<script>__xss(72)</script>')}`,
    `/arxiv/cs.LG${encodeURIComponent('"><script>__xss(73)</script>')}`,
    `/demos/${encodeURIComponent('<img src=x onerror=__xss(74)>')}`,
    `/nope/${encodeURIComponent('<svg onload=__xss(75)>')}`,
  );
  for (const path of paths) {
    const f = await inspect(path);
    // A query the language cannot parse is a 400 page; an unknown id, category or page a 404; all still pages.
    assertClean(path, f, [200, 400, 404]);
    const q = new URL(path, 'http://x').searchParams.get('query');
    if (q && f.status === 200) assert.ok(f.text.includes(q), `${path}: the query is echoed as text`);
  }
});

test('Atom feeds are well-formed XML with the payloads as text, and run nothing when opened', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const path of [`/arxiv/cs.LG/feed?date=${DAY}`, '/arxiv/search/feed?query=hostile', `/arxiv/search/feed?query=${encodeURIComponent('"><script>__xss(80)</script>')}`]) {
    const res = await fetch(srv.url + path);
    const xml = await res.text();
    if (path.includes('80')) {
      // An unbalanced quote is a reader mistake: a plain-text 400, not a feed.
      assert.equal(res.status, 400, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      continue;
    }
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /atom\+xml/);
    await page.goto('about:blank');
    const report = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const err = doc.querySelector('parsererror');
      const xhtml = doc.getElementsByTagNameNS('http://www.w3.org/1999/xhtml', '*').length;
      const svg = doc.getElementsByTagNameNS('http://www.w3.org/2000/svg', '*').length;
      const handlers = [...doc.querySelectorAll('*')].flatMap((el) => el.getAttributeNames().filter((a) => /^on/i.test(a)));
      return { error: err?.textContent ?? null, xhtml, svg, handlers, entries: doc.getElementsByTagName('entry').length, titles: [...doc.getElementsByTagName('title')].map((t) => t.textContent ?? '') };
    }, xml);
    assert.equal(report.error, null, `${path}: not well-formed`);
    assert.equal(report.xhtml + report.svg, 0, `${path}: markup elements inside the feed`);
    assert.deepEqual(report.handlers, [], path);
    assert.ok(report.entries > 0, path);
    assert.ok(report.titles.some((t) => t.includes('<script>__xss(1)</script>') || t.includes('<img src=x onerror=')), `${path}: payloads kept as text`);
    assertClean(path, await inspect(path));
  }
  await ctx.close();
});

test('the JSON twins are served as JSON with nosniff, so a browser never renders them as HTML', async () => {
  for (const path of [`/api/arxiv/${papers[0].id}`, `/api/search?q=${encodeURIComponent('<script>__xss(90)</script>')}`, `/api/arxiv/cs.LG?date=${DAY}`, `/api/stars?ids=${papers[1].id}`]) {
    const res = await fetch(srv.url + path);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    await res.arrayBuffer();
    assertClean(path, await inspect(path));
  }
});
