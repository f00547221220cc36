// Property tests (fast-check) for the invariants of ALGORITHMS.md on random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Mat, zeros, matmul, transpose, sub, froNorm, eye, fromRows } from '../../web/demos/core/matrix.ts';
import { svd, svdRows, singularValues } from '../../web/demos/core/svd.ts';
import { pinv } from '../../web/demos/core/pinv.ts';
import { froErrorAtRank, specErrorAtRank, truncate } from '../../web/demos/core/lowrank.ts';
import { gradTopk, threExp, threSigmoid, threSmooth, hardTopk, iterSu } from '../../web/demos/core/topk.ts';
import { SCHEDULES, newtonSchulz, scalarMap } from '../../web/demos/core/msign.ts';
import { interpDecomp } from '../../web/demos/core/id.ts';
import { matrixWithSpectrum, gaussianMatrix } from '../../web/demos/core/random.ts';

const RUNS = { numRuns: 60, seed: 20251126 };
// Entries below 1e-6 become exact zeros: a subnormal matrix has a pseudo-inverse beyond float64 range.
const entry = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v));

/** Random m×n matrices, a third of them rank-deficient (a product of thin factors). */
const matrixArb = fc
  .record({ m: fc.integer({ min: 1, max: 8 }), n: fc.integer({ min: 1, max: 8 }), r: fc.integer({ min: 0, max: 8 }), lowRank: fc.boolean() })
  .chain(({ m, n, r, lowRank }) => {
    const k = Math.max(1, Math.min(r, m, n));
    if (!lowRank) return fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: m, maxLength: m }).map(fromRows);
    return fc
      .tuple(fc.array(fc.array(entry, { minLength: k, maxLength: k }), { minLength: m, maxLength: m }), fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: k, maxLength: k }))
      .map(([a, b]) => matmul(fromRows(a), fromRows(b)));
  });

const relErr = (E: Mat, A: Mat) => froNorm(E) / Math.max(froNorm(A), 1e-300);

test('pinv satisfies the four Moore–Penrose identities', () => {
  fc.assert(
    fc.property(matrixArb, (A) => {
      const { X, condKept } = pinv(A);
      if (froNorm(A) === 0) return froNorm(X) === 0;
      const bound = 1e-11 * Math.max(1, condKept) * Math.max(A.rows, A.cols);
      const AX = matmul(A, X), XA = matmul(X, A);
      assert.ok(relErr(sub(matmul(AX, A), A), A) <= bound, 'AXA = A');
      assert.ok(relErr(sub(matmul(XA, X), X), X) <= bound, 'XAX = X');
      assert.ok(relErr(sub(AX, transpose(AX)), AX) <= bound, '(AX)ᵀ = AX');
      assert.ok(relErr(sub(XA, transpose(XA)), XA) <= bound, '(XA)ᵀ = XA');
      // pinv(Aᵀ) = pinv(A)ᵀ
      assert.ok(relErr(sub(pinv(transpose(A)).X, transpose(X)), X) <= bound, 'pinv(Aᵀ) = pinv(A)ᵀ');
      return true;
    }),
    RUNS,
  );
});

test('SVD: orthonormal factors, descending σ, exact reconstruction', () => {
  fc.assert(
    fc.property(matrixArb, (A) => {
      const { s, U, V } = svd(A);
      const p = s.length;
      assert.ok(froNorm(sub(matmul(transpose(U), U), eye(p))) <= 1e-12 * p, 'UᵀU = I');
      assert.ok(froNorm(sub(matmul(transpose(V), V), eye(p))) <= 1e-12 * p, 'VᵀV = I');
      for (let i = 0; i < p; i++) assert.ok(s[i] >= 0 && (i === 0 || s[i] <= s[i - 1]));
      const S = zeros(p, p);
      for (let i = 0; i < p; i++) S.data[i * p + i] = s[i];
      assert.ok(froNorm(sub(matmul(matmul(U, S), transpose(V)), A)) <= 1e-13 * Math.max(1, froNorm(A)) * Math.max(A.rows, A.cols));
      // σ₁ = ‖A‖₂ ≥ ‖Ax‖ for a unit x; Σσ² = ‖A‖_F².
      const ss = Math.sqrt(s.reduce((a, x) => a + x * x, 0));
      assert.ok(Math.abs(ss - froNorm(A)) <= 1e-12 * Math.max(1, froNorm(A)));
      return true;
    }),
    RUNS,
  );
});

test('Eckart–Young: the truncation attains the tail error, and random rank-r products do no better', () => {
  fc.assert(
    fc.property(matrixArb, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 1e6 }), (A, r0, seed) => {
      const { s, Ut, Vt } = svdRows(A);
      const r = Math.min(r0, s.length);
      const Ar = truncate(Ut, s, Vt, r);
      const E = sub(A, Ar);
      const scale = Math.max(1, froNorm(A));
      assert.ok(Math.abs(froNorm(E) - froErrorAtRank(s, r)) <= 1e-12 * scale, 'Frobenius error = √Σ_{j>r}σ_j²');
      const sE = singularValues(E);
      assert.ok(Math.abs((sE[0] ?? 0) - specErrorAtRank(s, r)) <= 1e-12 * scale, 'spectral error = σ_{r+1}');
      if (r >= 1) {
        const B = matmul(gaussianMatrix(A.rows, r, seed), gaussianMatrix(r, A.cols, seed + 1));
        // The best multiple of B still cannot beat the optimum.
        const c = dot(A, B) / Math.max(dot(B, B), 1e-300);
        const err = froNorm(sub(A, { ...B, data: B.data.map((v) => v * c) }));
        assert.ok(err >= froErrorAtRank(s, r) - 1e-12 * scale);
      }
      return true;
    }),
    RUNS,
  );
});

function dot(A: Mat, B: Mat): number {
  let t = 0;
  for (let i = 0; i < A.data.length; i++) t += A.data[i] * B.data[i];
  return t;
}

const topkInput = fc
  .array(fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 12 })
  .chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 1, max: x.length - 1 }), fc.double({ min: 0.05, max: 5, noNaN: true })));

test('smooth Top-k: grad and thre_* lie in [0,1], sum to k and keep the order of x', () => {
  fc.assert(
    fc.property(topkInput, ([x, k, tau]) => {
      const z = x.map((v) => v / tau);
      for (const [name, p] of [
        ['grad', gradTopk(z, k).p],
        ['thre_exp', threExp(z, k).p],
        ['thre_sigmoid', threSigmoid(z, k).p],
        ['thre_smooth', threSmooth(z, k).p],
      ] as const) {
        assert.ok(p.every((v) => v >= 0 && v <= 1 + 1e-15), `${name} in [0,1]`);
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - k) <= 1e-9, `${name} sums to k`);
        for (let i = 0; i < z.length; i++) for (let j = 0; j < z.length; j++) if (z[i] > z[j]) assert.ok(p[i] >= p[j] - 1e-12, `${name} keeps order`);
      }
      assert.ok(Math.abs(iterSu(z, k).p.reduce((a, b) => a + b, 0) - k) <= 1e-9, 'iter_su sums to k');
      return true;
    }),
    RUNS,
  );
});

test('smooth Top-k tends to the hard Top-k as the temperature falls', () => {
  const distinct = fc
    .uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 10 })
    .chain((x) => fc.tuple(fc.constant(x.map((v) => v / 10)), fc.integer({ min: 1, max: x.length - 1 })));
  fc.assert(
    fc.property(distinct, ([x, k]) => {
      const hard = hardTopk(x, k)!;
      const gap = (tau: number, f: (z: number[], k: number) => { p: number[] }) => {
        const p = f(x.map((v) => v / tau), k).p;
        return Math.max(...p.map((v, i) => Math.abs(v - hard[i])));
      };
      for (const f of [gradTopk, threExp, threSigmoid, threSmooth]) {
        const far = gap(1, f), near = gap(0.002, f);
        assert.ok(near <= 1e-6, `τ = 0.002 is within 1e-6 of the hard Top-k (gap ${near})`);
        assert.ok(near <= far + 1e-12, 'lower temperature is closer');
      }
      return true;
    }),
    RUNS,
  );
});

// The band each schedule maps (0.003, 1] into, from its scalar map (ALGORITHMS.md §7: KJ oscillates in about [0.7, 1.2]).
const BANDS: Record<string, [number, number]> = {
  muon_keller_jordan_T5: [0.68, 1.21],
  su_shared_T5: [0.82, 1.19],
  youjiacheng_T6: [0.995, 1.0],
  su_ours_x_k50_T6: [0.99, 1.011],
  su_ours_x2_k200_T6: [0.995, 1.005],
  su_ours_x3_T5: [0.95, 1.05],
};

test('Newton–Schulz singular values land in each schedule’s band and follow the scalar map', () => {
  const spec = fc.record({
    rows: fc.integer({ min: 2, max: 12 }),
    cols: fc.integer({ min: 2, max: 12 }),
    decay: fc.double({ min: 0.5, max: 1, noNaN: true }),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });
  fc.assert(
    fc.property(spec, ({ rows, cols, decay, seed }) => {
      const r = Math.min(rows, cols);
      const M = matrixWithSpectrum({ rows, cols, rank: r, decay, seed });
      const s = singularValues(M);
      const f = froNorm(M);
      const xs = Array.from(s, (v) => v / f);
      if (xs[xs.length - 1] < 0.003) return true;
      for (const [name, [lo, hi]] of Object.entries(BANDS)) {
        const sv = Array.from(singularValues(newtonSchulz(M, SCHEDULES[name]).X));
        assert.ok(sv.every((v) => v >= lo && v <= hi), `${name}: ${sv.map((v) => v.toFixed(4))} outside [${lo}, ${hi}]`);
        const mapped = xs.map((x) => Math.abs(scalarMap(x, SCHEDULES[name]))).sort((a, b) => b - a);
        sv.forEach((v, i) => assert.ok(Math.abs(v - mapped[i]) <= 1e-10));
      }
      return true;
    }),
    { ...RUNS, numRuns: 40 },
  );
});

test('ID: P is the identity on the skeleton and the error is zero once k reaches the rank', () => {
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 3, max: 12 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1e6 }), (m, n, rank, seed) => {
      const A = matrixWithSpectrum({ rows: m, cols: n, rank, decay: 0.7, seed });
      const id = interpDecomp(A, rank);
      const E = sub(A, matmul(selectColsOf(A, id.skeleton), id.P));
      assert.ok(froNorm(E) <= 1e-12 * Math.max(1, froNorm(A)) * n);
      return true;
    }),
    RUNS,
  );
});

function selectColsOf(A: Mat, idx: number[]): Mat {
  const C = zeros(A.rows, idx.length);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < idx.length; j++) C.data[i * idx.length + j] = A.data[i * A.cols + idx[j]];
  return C;
}
