// Hostile TeX: whatever an abstract's formulas say, typeset math holds only
// MathJax's own elements, nothing that links or loads, no free CSS, and no box
// bigger than the clamps — through /api/math, on every page kind, and as
// Chromium lays it out (no dialog, no handler, no off-site link, nothing wider
// than the page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { MAX_TEX_LENGTH, typeset } from '../../server/math/typeset.ts';
import { clampLength, safeColor } from '../../server/math/sanitize.ts';
import { launchChromium, tempDir } from '../helpers.ts';
import { startPagesServer, type PagesServer } from '../pages/server.ts';

const deep = (n: number) => '{'.repeat(n) + 'x' + '}'.repeat(n);

/** Links, sizes, nesting, colours and every command family that could emit markup or state. */
export const HOSTILE_TEX = [
  '\\mmlToken{mi}[href="https://evil.example/"]{click}',
  '\\mmlToken{mi}[href="//evil.example/"]{click}',
  '\\mmlToken{mglyph}[src="https://evil.example/x.png" width="900em"]{}',
  '\\mmlToken{mi}[style="position:fixed;top:0;left:0;width:100vw;height:100vh"]{x}',
  '\\mmlToken{mi}[class="evil" id="evil"]{x}',
  '\\mmlToken{mi}[mathbackground="red;position:fixed;inset:0"]{x}',
  '\\mmlToken{mi}[mathcolor="url(https://evil.example/)"]{x}',
  '\\mmlToken{mo}[lspace="999em" rspace="-999em"]{+}',
  '\\mmlToken{mspace}[width="1e5em" height="1e5em" depth="1e5em"]{}',
  '\\rule{500em}{500em}',
  '\\rule[-300em]{1em}{600em}',
  '\\hspace{-500em} x',
  '\\kern500em x \\mkern-9000mu y \\mskip 300em z',
  '\\raise500em{x}\\lower500em{y}\\moveleft500em{z}',
  '\\begin{array}{c} a \\\\[500em] b \\end{array}',
  '\\genfrac{}{}{500em}{}{a}{b}',
  '\\color{red;position:fixed}{x} \\color{#ff0000}{y} \\colorbox{red}{z}',
  '\\unicode{x41} \\unicode[serif]{<img src=x onerror=alert(1)>}',
  '\\require{html} \\href{javascript:alert(1)}{a}',
  '\\def\\x{\\href{https://evil.example}{y}} \\x',
  '\\newcommand{\\e}{\\href{https://evil.example}{e}} \\e',
  '\\texttip{x}{tip} \\toggle{a}{b}\\endtoggle',
  '\\href{https://evil.example}{click} \\class{evil}{x} \\style{position:fixed}{y} \\cssId{evil}{z}',
  '\\eps + \\cC + \\alpha^2',
  '\\Huge\\Huge x \\scriptstyle\\scriptscriptstyle y',
  deep(Math.floor((MAX_TEX_LENGTH - 1) / 2)),
  'x'.repeat(MAX_TEX_LENGTH + 1),
];

const LIMIT_EM = { width: 50, height: 20 };

/** The test's own reading of the allow-list (independent of server/math/sanitize.ts). */
function violations(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const [tag, name, attrs] = m;
    if (name !== 'span' && !/^mjx-/i.test(name)) out.push(`element ${name}`);
    const names = [...attrs.matchAll(/\s([^\s=]+)(?:="[^"]*")?/g)].map((a) => a[1].toLowerCase());
    for (const a of names) {
      if (/^(href|src|srcset|xlink:href|id|action|formaction)$/.test(a)) out.push(`attribute ${a} in <${name}>`);
      if (/^on/.test(a)) out.push(`handler ${a} in <${name}>`);
    }
    const cls = /\sclass="([^"]*)"/.exec(attrs)?.[1] ?? '';
    for (const c of cls.split(/\s+/).filter(Boolean)) {
      if (!/^(math|math-display|math-error|math-pending|notranslate|MathJax|MJX-TEX|mjx-[\w-]+|TEX-[\w-]+)$/.test(c)) out.push(`class ${c}`);
    }
    const style = /\sstyle="([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (/url\(|expression|@import|position\s*:\s*(fixed|sticky)|javascript:/i.test(style)) out.push(`style ${style.slice(0, 80)}`);
    for (const d of style.matchAll(/(width|height|margin[\w-]*|top|left|right|bottom|padding[\w-]*)\s*:\s*([^;]+)/g)) {
      for (const v of d[2].matchAll(/(-?\d*\.?\d+)em/g)) {
        const limit = /height|top|bottom/.test(d[1]) ? LIMIT_EM.height : LIMIT_EM.width;
        // MathJax adds small amounts (a glyph's width, a rule's depth) on top of a clamped length.
        if (Math.abs(Number(v[1])) > limit + 2) out.push(`${d[1]}: ${v[0]}`);
      }
    }
  }
  return out;
}

test('clamps and colours: lengths beyond the bounds are cut to them, free CSS is not a colour', () => {
  assert.equal(clampLength('500em', 50), '50em');
  assert.equal(clampLength('-500em', 50), '-50em');
  assert.equal(clampLength('+1e5em', 20), '+20em');
  assert.equal(clampLength('3em', 50), '3em');
  assert.equal(clampLength('9000mu', 50), '50em');
  assert.equal(clampLength('40pt', 50), '40pt');
  assert.equal(clampLength('600pt', 50), '50em');
  assert.equal(clampLength('50000%', 20), '1000%');
  assert.equal(clampLength('99height', 20), '10height');
  assert.equal(clampLength('thickmathspace', 50), 'thickmathspace');
  assert.equal(clampLength('1em;position:fixed', 50), null);
  assert.ok(safeColor('red') && safeColor('#ff0000') && safeColor('rgb(1, 2, 3)'));
  assert.ok(!safeColor('red;position:fixed') && !safeColor('url(x)') && !safeColor('expression(alert(1))'));
});

test('every hostile formula typesets inside the allow-list (or shows as escaped source)', () => {
  for (const tex of HOSTILE_TEX) {
    for (const display of [false, true]) {
      const t = typeset(tex, display);
      assert.deepEqual(violations(t.html), [], `${display ? '$$' : '$'}${tex.slice(0, 60)}`);
    }
  }
  // An unknown macro is its name in red; the rest typesets.
  const eps = typeset('\\eps + \\cC + \\alpha^2', false);
  assert.ok(eps.ok, eps.html);
  assert.match(eps.html, /<mjx-mtext[^>]*style="color: red;"/);
  assert.equal((eps.html.match(/<mjx-mi /g) ?? []).length, 1, 'alpha typeset');
  // Links and loads are gone, not merely hidden.
  for (const tex of HOSTILE_TEX.slice(0, 3)) assert.doesNotMatch(typeset(tex, false).html, /evil\.example\/?"|<a |<img/, tex);
});

let dir: ReturnType<typeof tempDir>;
let db: Db;
let srv: PagesServer;
let browser: Browser;
const DAY = '2026-06-01';
const ids: string[] = [];

before(async () => {
  dir = tempDir('hardening-tex-');
  db = openDb(join(dir.path, 'papers.db'));
  const papers: Paper[] = HOSTILE_TEX.map((tex, i) => ({
    id: `2606.${String(91000 + i)}`,
    version: 1,
    title: `Bounds $${tex.slice(0, 300)}$ for kernels`,
    abstract: `Inline $${tex}$ and display $$${tex}$$ and fine $x^2$.`,
    authors: ['Tex Tester'],
    categories: ['math.FA'],
    published: DAY,
    updated: DAY,
    comments: `$${tex.slice(0, 200)}$`,
    journalRef: null,
    doi: null,
    license: null,
  }));
  ids.push(...papers.map((p) => p.id));
  ingestBatch(db, { papers, announcements: papers.map((p, i) => ({ date: DAY, category: 'math.FA', paperId: p.id, announceType: 'new' as const, position: i + 1 })) });
  srv = await startPagesServer(db);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

function pagePaths(fragments = true): string[] {
  return [
    '/arxiv/math.FA',
    fragments ? '/arxiv/math.FA/chunk?offset=25' : '/arxiv/math.FA?offset=25',
    '/arxiv/search?query=kernels',
    `/stars?ids=${ids.join(',')}`,
    ...ids.map((id) => `/arxiv/${id}`),
    `/arxiv/${ids[0]}/related`,
  ];
}

test('/api/math and every page kind keep typeset TeX inside the allow-list', async () => {
  for (const tex of HOSTILE_TEX) {
    const r = await fetch(`${srv.url}/api/math?tex=${encodeURIComponent(tex)}&display=1`);
    if (tex.length > MAX_TEX_LENGTH) {
      assert.equal(r.status, 400);
      continue;
    }
    assert.equal(r.status, 200, tex);
    const body = (await r.json()) as { html: string };
    assert.deepEqual(violations(body.html), [], tex.slice(0, 60));
  }
  for (const path of pagePaths()) {
    const r = await fetch(srv.url + path);
    assert.equal(r.status, 200, path);
    const html = await r.text();
    // A formula's wrapper holds only MathJax elements or escaped source, never another span.
    const formulas = [...html.matchAll(/<span class="math[^"]*"[^>]*>(?:(?!<span|<\/span>)[\s\S])*<\/span>/g)].map((m) => m[0]);
    assert.ok(formulas.length > 0 || path.includes('search'), `${path}: typeset formulas`);
    for (const f of formulas) assert.deepEqual(violations(f), [], `${path}: ${f.slice(0, 120)}`);
  }
});

test('in Chromium: no dialog, no handler, no off-site link, and no formula wider than the page, at 390 px and 1100 px', async () => {
  for (const width of [390, 1100]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    for (const path of pagePaths(false)) {
      await page.goto(srv.url + path, { waitUntil: 'load' });
      const report = await page.evaluate(`(() => {
        const out = [];
        const here = location.origin;
        for (const el of document.querySelectorAll('.math, .math *')) {
          for (const a of el.getAttributeNames()) if (/^on/i.test(a)) out.push('handler ' + a);
          if (el.localName === 'a' || el.hasAttribute('href') || el.hasAttribute('src')) out.push('link or load: ' + el.outerHTML.slice(0, 80));
        }
        for (const a of document.querySelectorAll('main a[href]')) {
          const u = new URL(a.getAttribute('href'), location.href);
          if (u.origin !== here && !/^https:\\/\\/(arxiv\\.org|doi\\.org|creativecommons\\.org)$/.test(u.origin)) out.push('off-site link ' + u.href);
        }
        const page = document.documentElement.clientWidth;
        for (const m of document.querySelectorAll('.math')) {
          const r = m.getBoundingClientRect();
          if (r.width > page + 1) out.push('formula ' + Math.round(r.width) + 'px wide: ' + (m.getAttribute('data-tex') || '').slice(0, 40));
        }
        if (document.documentElement.scrollWidth > page + 1) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + page);
        return out;
      })()`);
      assert.deepEqual(report, [], `${path} at ${width}px`);
    }
    assert.deepEqual(dialogs, []);
    await ctx.close();
  }
});
