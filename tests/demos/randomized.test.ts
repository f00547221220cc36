// The randomised parts of the spec, checked statistically with fixed seeds: CR's scaled
// sampled product is unbiased, sampled CUR and randomised ID stay above the SVD floor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, sub, froNorm, zeros } from '../../web/demos/core/matrix.ts';
import { gaussianMatrix, matrixWithSpectrum, rng, gaussian } from '../../web/demos/core/random.ts';
import { crSampling, crSampleProduct } from '../../web/demos/core/cr.ts';
import { curSampleSelect, curWithSelection } from '../../web/demos/core/cur.ts';
import { randomizedId, optimRid, interpDecomp } from '../../web/demos/core/id.ts';
import { singularValues } from '../../web/demos/core/svd.ts';
import { froErrorAtRank } from '../../web/demos/core/lowrank.ts';

test('CR: the mean of 10⁴ scaled sampled products is within a few standard errors of XY, and the MSE matches', () => {
  const X = gaussianMatrix(5, 12, 11), Y = gaussianMatrix(12, 4, 12);
  const r = 3, draws = 10_000;
  const s = crSampling(X, Y, r);
  const XY = matmul(X, Y);
  const rand = rng(99);
  const mean = zeros(5, 4);
  let sq = 0;
  for (let t = 0; t < draws; t++) {
    const { approx } = crSampleProduct(X, Y, s.probabilities, r, rand);
    for (let i = 0; i < mean.data.length; i++) mean.data[i] += approx.data[i] / draws;
    sq += froNorm(sub(approx, XY)) ** 2 / draws;
  }
  // ‖mean − XY‖² has expectation MSE/draws; allow a generous multiple of that.
  const bias2 = froNorm(sub(mean, XY)) ** 2;
  assert.ok(bias2 < (8 * s.rSampleMseOptimal) / draws, `bias² ${bias2} vs MSE/draws ${s.rSampleMseOptimal / draws}`);
  // The empirical mean squared error matches the closed form within 5 %.
  assert.ok(Math.abs(sq - s.rSampleMseOptimal) < 0.05 * s.rSampleMseOptimal, `empirical ${sq} vs ${s.rSampleMseOptimal}`);
});

test('sampled CUR and randomised ID: distinct indices, errors above the SVD floor', () => {
  const M = matrixWithSpectrum({ rows: 40, cols: 30, rank: 6, decay: 0.6, noise: 1e-3, seed: 4 });
  const floor = froErrorAtRank(singularValues(M), 6);
  const rand = rng(5);
  for (const rule of ['norm', 'norm_sq', 'uniform', 'leverage'] as const) {
    const sel = curSampleSelect(M, 6, rule, rand);
    assert.equal(new Set(sel.cols).size, 6);
    assert.equal(new Set(sel.rows).size, 6);
    assert.ok(curWithSelection(M, sel).froErrorUopt >= floor - 1e-12);
  }
  const whole = froNorm(M);
  const a = randomizedId(M, 6, 12, gaussian(rng(6)));
  const b = optimRid(M, 6, 15, rng(7));
  const qr = interpDecomp(M, 6);
  for (const e of [a.froError, b.froError]) assert.ok(e >= floor - 1e-12 && e < whole);
  assert.equal(qr.skeleton.length, 6);
});
