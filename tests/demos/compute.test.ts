// The demo pages' compute layer and topic links: what the plots show must respect the
// spec's orderings, and bad input must come back as a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowRankReport, topkReport, msignReport, entropyReport, randomMatrix, parseMatrixText, parseVectorText, LOW_RANK_CURVES } from '../../web/demos/compute.ts';
import { demosForPaper, DEMO_TOPICS, DEFAULTS } from '../../lib/demos.ts';
import { runJob } from '../../web/demos/jobs.ts';

test('low-rank report: every curve stays on or above the SVD floor, ID reaches 0 at full rank', () => {
  const A = randomMatrix({ rows: 30, cols: 20, rank: 8, decay: 0.7, noise: 1e-4, seed: 5 });
  const R = lowRankReport(A, 4);
  assert.equal(R.s.length, 20);
  for (const c of LOW_RANK_CURVES)
    R.errors[c].forEach((e, i) => assert.ok(e >= R.errors.svd[i] - 1e-9, `${c} at r=${R.ranks[i]} is below the SVD floor`));
  assert.ok(R.errors.id[R.errors.id.length - 1] < 1e-10);
  assert.ok(R.pinv.identities.every((x) => x < 1e-10));
  // The ridge path converges to the pseudo-inverse as ε → 0.
  const d = R.pinv.ridge.map((x) => x.dist);
  for (let i = 1; i < d.length; i++) assert.ok(d[i] <= d[i - 1] * (1 + 1e-12));
  assert.equal(R.atRank.idSkeleton.length, 4);
});

test('Top-k report: sweep shapes, sums and the hard limit', () => {
  const { x, k } = DEFAULTS.topk;
  const R = topkReport(x, k, 0.3);
  assert.equal(R.entries.grad.length, x.length);
  assert.equal(R.entries.grad[0].length, R.taus.length);
  for (const m of Object.keys(R.at) as (keyof typeof R.at)[]) assert.ok(Math.abs(R.at[m].p.reduce((a, b) => a + b, 0) - k) < 1e-9);
  // At the smallest temperature GradTopK is the hard Top-k.
  assert.ok(Math.abs(R.mass!.grad[0] - k) < 1e-6);
  assert.throws(() => topkReport([1, 2], 3, 1), /k must be an integer/);
  assert.throws(() => topkReport([1, 2], 1, 0), /temperature/);
});

test('msign report: the measured singular values of every step follow the scalar map', () => {
  const M = randomMatrix({ ...DEFAULTS.msign, rows: 12, cols: 9, rank: 9 });
  const R = msignReport(M, 'youjiacheng_T6', false);
  assert.equal(R.steps.length, 7);
  assert.equal(R.curves.length, 6);
  const last = R.steps[6];
  assert.ok(last.every((v) => v > 0.85 && v < 1.01));
  assert.equal(R.froErrors.length, 7);
  assert.throws(() => msignReport(M, 'nope', false), /unknown schedule/);
});

test('entropy report: entropy lies in [0, log n] and the 1/0.24 rule is flattest', () => {
  const R = entropyReport({ d: 16, maxN: 256, queries: 4, kappa: 1, seed: 2 });
  for (const c of R.curves) c.entropies.forEach((h, i) => assert.ok(h >= 0 && h <= R.logN[i] + 1e-12));
  const growth = (rule: string) => {
    const c = R.curves.find((x) => x.rule === rule)!;
    return c.entropies[c.entropies.length - 1] - c.entropies[0];
  };
  assert.ok(growth('entropy_invariant_kappa_1_over_0.24') < growth('standard_1_over_sqrt_d'));
  assert.throws(() => entropyReport({ d: 0, maxN: 8, queries: 1, kappa: 1, seed: 1 }), /d must be/);
});

test('input parsing gives clear errors', () => {
  assert.deepEqual(parseMatrixText('1 2\n3,4').rows, 2);
  assert.throws(() => parseMatrixText('1 2\n3'), /row 2 has 1 numbers/);
  assert.throws(() => parseMatrixText('1 x'), /"x" is not a number/);
  assert.throws(() => parseMatrixText(''), /paste at least one row/);
  assert.deepEqual(parseVectorText('1, 2;3'), [1, 2, 3]);
  assert.throws(() => parseVectorText('1 <script>'), /is not a number/);
  assert.throws(() => randomMatrix({ rows: 0, cols: 3, rank: 1, decay: 0.5, noise: 0, seed: 1 }), /rows must be/);
  assert.throws(() => randomMatrix({ rows: 3, cols: 3, rank: 4, decay: 0.5, noise: 0, seed: 1 }), /rank must be/);
  assert.throws(() => randomMatrix({ rows: 3, cols: 3, rank: 2, decay: 1.5, noise: 0, seed: 1 }), /decay/);
});

test('the worker job dispatcher runs each kind', () => {
  const r = runJob({ kind: 'topk', x: [1, 2, 3], k: 1, tau: 1 });
  assert.ok('taus' in r);
});

test('demosForPaper links papers to the demo of their topic', () => {
  const names = (t: string, a = '') => demosForPaper(t, a).map((d) => d.name);
  assert.deepEqual(names('Randomized algorithms for low-rank matrix approximation'), ['low-rank']);
  assert.deepEqual(names('A CUR decomposition for streaming data'), ['low-rank']);
  assert.deepEqual(names('Sparse MoE routing', 'We propose a differentiable top-k operator.'), ['topk']);
  assert.deepEqual(names('Muon is scalable for LLM training'), ['msign']);
  assert.deepEqual(names('Scaling attention', 'We track attention entropy as the context grows and study length extrapolation.'), ['entropy-softmax']);
  assert.deepEqual(names('A survey of graph neural networks', 'Message passing on graphs.'), []);
  for (const d of demosForPaper('Newton–Schulz iterations and low-rank approximation', '')) assert.match(d.url, /^\/demos\/[a-z-]+$/);
  assert.equal(new Set(DEMO_TOPICS.map((d) => d.name)).size, DEMO_TOPICS.length);
});
