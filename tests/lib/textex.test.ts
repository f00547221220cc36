// Text-mode TeX in titles, names and abstracts becomes Unicode; unknown
// commands stay as written; hostile input costs linear time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { texToUnicode } from '../../lib/textex.ts';

test('accents, letters, quotes, dashes, ties and font commands', () => {
  const cases: [string, string][] = [
    ["P\\'eter", 'Péter'],
    ["Ren{\\'e}", 'René'],
    ['Schr\\"odinger', 'Schrödinger'],
    ['\\v{S}r\\\'amek Vina\\v{r} Erd\\H{o}s Fran\\c{c}ois \\c c', 'Šrámek Vinař Erdős François ç'],
    ['na\\"\\i ve \\\'{\\i}', 'naïve í'],
    ['Gro\\ss e Bj\\o rn {\\O}stergaard \\L{}ukasz \\aa ngstr\\"om', 'Große Bjørn Østergaard Łukasz ångström'],
    ['compute\\mbox{-}capability', 'compute-capability'],
    ['\\emph{very} \\textbf{\\emph{bold}} {\\em old} {B}ayesian', 'very bold old Bayesian'],
    ["``Kurchatov Institute''", '“Kurchatov Institute”'],
    ['pages 10--20 --- end', 'pages 10–20 — end'],
    ['a~b', 'a\u00a0b'],
    ['cost \\$5 and \\{set\\} 50\\% \\& co', 'cost $5 and {set} 50% & co'],
    ['unknown \\foo{x} stays', 'unknown \\foo{x} stays'],
    ['plain text, nothing to do', 'plain text, nothing to do'],
  ];
  for (const [tex, want] of cases) assert.equal(texToUnicode(tex), want, tex);
});

test('adversarial input of 10,000 characters takes time linear in its length', () => {
  const inputs = [
    "\\'" + ' '.repeat(9990),
    '{'.repeat(5000) + 'x' + '}'.repeat(5000),
    '\\emph{'.repeat(1666),
    '\\a'.repeat(3333) + '{x}',
    '\\v'.repeat(5000),
    '-'.repeat(10_000),
    "'".repeat(10_000),
    '~'.repeat(10_000),
    'a{'.repeat(5000),
  ];
  // Compare each with a tenth of itself: linear work grows ~10x, quadratic ~100x. Best of 5 against noise; under
  // 20 ms passes whatever the ratio (a tenth takes ~0.1 ms, where a GC pause alone breaks the ratio; the quadratic
  // accent pattern this guards against took 90 ms at this length).
  const best = (s: string) => Math.min(...[0, 1, 2, 3, 4].map(() => { const t = performance.now(); texToUnicode(s); return performance.now() - t; }));
  for (const s of inputs) {
    const small = best(s.slice(0, s.length / 10));
    const large = best(s);
    assert.ok(large < Math.max(50 * small, 20), `${JSON.stringify(s.slice(0, 12))}…: ${large.toFixed(2)} ms vs ${small.toFixed(2)} ms for a tenth`);
  }
});

test('plainText converts prose and keeps formulas as TeX source', async () => {
  const { plainText } = await import('../../lib/textex.ts');
  assert.equal(plainText('Schr\\"odinger bounds for $\\"o_1$ and \\(x\\) --- see~[1], /~user'), 'Schrödinger bounds for $\\"o_1$ and \\(x\\) — see\u00a0[1], /~user');
});
