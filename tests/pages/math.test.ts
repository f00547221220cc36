// Server-side math: splitting, safe typesetting, error handling, caching, and
// the translation placeholders that must never break a formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { typeset, mathKey } from '../../server/math/typeset.ts';
import { MathService } from '../../server/math/service.ts';
import { splitTeX } from '../../lib/tex.ts';
import { protectMath, restoreSentence, restoreText, splitSentences, parseJsonArray } from '../../server/translate.ts';
import { openDb } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { countMathCached, getMathCached } from '../../db/listings.ts';
import { tempDir } from '../helpers.ts';
import { corpusPapers } from './fixture.ts';

test('splitTeX finds every delimiter form and keeps \\$ as a dollar', () => {
  const segs = splitTeX('a $x$ b $$y$$ c \\(z\\) d \\[w\\] costs \\$5, open $ never closed');
  const math = segs.filter((s) => s.kind === 'math');
  assert.deepEqual(
    math.map((s) => s.kind === 'math' && [s.tex, s.display]),
    [
      ['x', false],
      ['y', true],
      ['z', false],
      ['w', true],
    ],
  );
  const text = segs.filter((s) => s.kind === 'text').map((s) => (s.kind === 'text' ? s.text : '')).join('');
  assert.ok(text.includes('costs $5'));
  assert.ok(text.includes('open $ never closed'));
});

test('splitTeX is lossless on arbitrary input (text + sources rebuild the input)', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '$', '\\', '(', ')', '[', ']', 'x', '^') }), (s) => {
      // \$ is the one deliberate change (it becomes a plain dollar in prose).
      fc.pre(!s.includes('\\$'));
      const rebuilt = splitTeX(s)
        .map((seg) => (seg.kind === 'text' ? seg.text : seg.source))
        .join('');
      assert.equal(rebuilt, s);
    }),
    { numRuns: 300 },
  );
});

test('typeset: CHTML wrapped with translate="no", notranslate, TeX source and an accessible name', () => {
  const t = typeset('\\alpha^2 + \\beta', false);
  assert.equal(t.ok, true);
  assert.match(t.html, /^<span class="math notranslate" translate="no" role="img" aria-label="\\alpha\^2 \+ \\beta" data-tex="\\alpha\^2 \+ \\beta"><mjx-container class="MathJax" jax="CHTML"><mjx-math/);
  assert.ok(!/<svg|<mjx-utext/.test(t.html), 'glyphs come from the stylesheet and fonts, no text nodes to translate');
  const d = typeset('\\int_0^1 f', true);
  assert.match(d.html, /class="math math-display notranslate"/);
});

test('typeset: unsafe macros are not available (an unknown macro is marked, the rest typesets) and broken TeX shows escaped source as an error', () => {
  for (const tex of ['\\href{javascript:alert(1)}{x}', '\\style{color:red}{x}', '\\class{a}{b}', '\\unicode{65}', '\\require{html}', '\\cssId{a}{b}', '\\def\\a{b}\\a']) {
    const t = typeset(tex, false);
    assert.equal(t.ok, true, tex);
    assert.match(t.html, /<mjx-mtext[^>]*style="color: red;"/, `${tex}: the unknown macro is marked`);
    const markup = t.html.replace(/data-tex="[^"]*"|aria-label="[^"]*"/g, '');
    assert.ok(!/<img|<a |href=|javascript:|class="a"|id=/.test(markup), tex);
  }
  for (const tex of ['\\frac{1}{', '\\left( x']) {
    const t = typeset(tex, false);
    assert.equal(t.ok, false, tex);
    assert.match(t.html, /class="math math-error notranslate" translate="no"/);
  }
  // HTML inside TeX is drawn as glyphs, never as markup.
  for (const tex of ['\\text{<script>alert(1)</script>}', '<img src=x onerror=alert(1)>']) {
    const t = typeset(tex, false);
    assert.ok(!/<script|<img/.test(t.html), tex);
  }
});

test('typeset: a JavaScript error inside MathJax is caught per formula and later formulas still work', () => {
  // Deep nesting makes MathJax blow its stack or limits; whatever it throws, we survive.
  const deep = '{'.repeat(5000) + 'x' + '}'.repeat(5000);
  const bad = typeset(deep, false);
  assert.equal(bad.ok, false);
  assert.equal(typeset('x+1', false).ok, true);
});

test('rendered text escapes prose and never lets HTML through', async () => {
  const { html } = await new MathService().render((m) => m.html('<script>alert(1)</script> & $x<y$ "q"'), Infinity);
  assert.ok(html.startsWith('&#60;script&#62;alert(1)&#60;/script&#62; &#38; '));
  assert.ok(!html.includes('<script'));
  assert.ok(html.includes('data-tex="x&#60;y"'));
});

test('real formulas from the corpus typeset; failures are rare and marked', async () => {
  const papers = await corpusPapers(150, ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI']);
  let ok = 0;
  let failed = 0;
  for (const p of papers) {
    for (const seg of splitTeX(p.abstract)) {
      if (seg.kind !== 'math') continue;
      const t = typeset(seg.tex, seg.display);
      if (t.ok) ok++;
      else failed++;
    }
  }
  assert.ok(ok > 100, `typeset ${ok}`);
  assert.ok(failed / (ok + failed) < 0.05, `${failed} of ${ok + failed} failed`);
});

test('the fill pass fills the SQLite cache from new rows only, and pages use it', async () => {
  const dir = tempDir();
  try {
    const db = openDb(`${dir.path}/p.db`);
    const math = new MathService({ db });
    const papers = await corpusPapers(20, ['cs.LG']);
    ingestBatch(db, { papers });
    const n = math.fillNow();
    assert.ok(n > 0);
    assert.equal(countMathCached(db), n);
    assert.equal(math.fillNow(), 0, 'nothing new to do');
    const first = splitTeX(papers[0].abstract).find((s) => s.kind === 'math');
    if (first && first.kind === 'math') assert.ok(getMathCached(db, mathKey(first.tex, first.display)));
    ingestBatch(db, { papers: [{ ...papers[0], id: '2699.00001', title: 'New $\\zeta_{new}$', abstract: 'Fresh $\\xi^{3}_{k}$.' }] });
    assert.equal(math.fillNow(), 2);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('protectMath replaces formulas by placeholders and splits sentences', () => {
  const p = protectMath('We show $x=1$. Then $$y$$ follows! Is \\(z\\) true? Yes.');
  assert.deepEqual(p.formulas, ['$x=1$', '$$y$$', '\\(z\\)']);
  assert.deepEqual(p.sentences, ['We show [[M1]].', 'Then [[M2]] follows!', 'Is [[M3]] true?', 'Yes.']);
  assert.deepEqual(splitSentences('e.g. this. And that.'), ['e.g. this.', 'And that.']);
});

test('restore: altered, lost or duplicated placeholders fall back to the original sentence', () => {
  const p = protectMath('Let $a$ and $b$ hold. Then $c$ wins.');
  assert.equal(restoreSentence('设 [[M1]] 与 [[M2]] 成立。', p.sentences[0], p.formulas), '设 $a$ 与 $b$ 成立。');
  assert.equal(restoreSentence('设 [[M1]] 成立。', p.sentences[0], p.formulas), null, 'lost');
  assert.equal(restoreSentence('设 [[M1]] [[M1]] 与 [[M2]]。', p.sentences[0], p.formulas), null, 'duplicated');
  assert.equal(restoreSentence('设 [M1] 与 [[M2]]。', p.sentences[0], p.formulas), null, 'altered');
  const r = restoreText(p, ['设 [[M1]] 与 [[M2]] 成立。', '于是 [M3] 胜出。']);
  assert.equal(r.fallbacks, 1);
  assert.equal(r.text, '设 $a$ 与 $b$ 成立。 Then $c$ wins.');
  // A dollar sign the translator adds is prose, not a new formula.
  assert.equal(restoreSentence('价格 $5 与 [[M1]] [[M2]]', p.sentences[0], p.formulas), '价格 \\$5 与 $a$ $b$');
});

test('parseJsonArray accepts fenced JSON and rejects anything else', () => {
  assert.deepEqual(parseJsonArray('```json\n["a","b"]\n```'), ['a', 'b']);
  assert.equal(parseJsonArray('not json'), null);
  assert.equal(parseJsonArray('[1,2]'), null);
});
