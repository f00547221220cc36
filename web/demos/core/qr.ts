// Householder QR with column pivoting, stopped after k steps. Hand-written because
// the selected columns must match SciPy's interp_decomp(rand=False) exactly: the
// pivot is the largest remaining column norm recomputed from scratch each step, the
// first index wins ties, and the chosen column swaps places with position j.
// LAPACK's dgeqp3 (and ml-matrix, which has no pivoted QR) differ in the tail order.
import { type Mat, transpose, zeros } from './matrix.ts';

export interface PivotedQr {
  /** Full column permutation: column j of AΠ is column idx[j] of A. */
  idx: number[];
  /** Number of Householder steps taken. */
  steps: number;
  /** steps×n upper-trapezoidal R of AΠ (rows past `steps` are the untouched trailing block). */
  R: Mat;
  /** |R_jj|, non-increasing. */
  rdiagAbs: number[];
  /** ‖R₂₂‖_F: the norm of the trailing block left after `steps` steps. */
  trailingFro: number;
}

export function pivotedQr(A: Mat, k = Math.min(A.rows, A.cols)): PivotedQr {
  const m = A.rows, n = A.cols;
  const steps = Math.max(0, Math.min(k, m, n));
  // Columns of A as contiguous rows.
  const a = transpose(A).data;
  const idx = Array.from({ length: n }, (_, i) => i);
  const rdiagAbs: number[] = [];
  const v = new Float64Array(m);
  // norms[c] = Σ_{i≥j} a[c][i]², recomputed exactly (not downdated) at every step; the
  // recomputation rides along in the update loop of the previous step, summing the same
  // entries in the same order as a separate pass would.
  const norms = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += a[c * m + i] * a[c * m + i];
    norms[c] = t;
  }
  for (let j = 0; j < steps; j++) {
    let best = j, bv = -1;
    for (let c = j; c < n; c++) if (norms[c] > bv) { bv = norms[c]; best = c; }
    if (best !== j) {
      const oj = j * m, ob = best * m;
      for (let i = 0; i < m; i++) {
        const t = a[oj + i];
        a[oj + i] = a[ob + i];
        a[ob + i] = t;
      }
      const t = idx[j];
      idx[j] = idx[best];
      idx[best] = t;
      norms[best] = norms[j];
    }
    const oj = j * m;
    const alpha = Math.sqrt(bv);
    rdiagAbs.push(alpha);
    if (alpha === 0) continue;
    const x0 = a[oj + j];
    const beta = x0 >= 0 ? -alpha : alpha;
    // v = x − βe₁; vᵀv = 2α(α + |x₀|).
    v[j] = x0 - beta;
    for (let i = j + 1; i < m; i++) v[i] = a[oj + i];
    const vtv = 2 * alpha * (alpha + Math.abs(x0));
    // Four columns per pass: v is loaded once for four dot products and four updates, and the
    // four norm sums are independent chains. Each norm still sums its column from top to
    // bottom, exactly as a separate pass would.
    let c = j + 1;
    for (; c + 3 < n; c += 4) {
      const o0 = c * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
      // Two partial sums per column so the additions are not one serial chain.
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0, e0 = 0, e1 = 0, e2 = 0, e3 = 0;
      let i = j;
      for (; i + 1 < m; i += 2) {
        const vi = v[i], wi = v[i + 1];
        d0 += vi * a[o0 + i];
        d1 += vi * a[o1 + i];
        d2 += vi * a[o2 + i];
        d3 += vi * a[o3 + i];
        e0 += wi * a[o0 + i + 1];
        e1 += wi * a[o1 + i + 1];
        e2 += wi * a[o2 + i + 1];
        e3 += wi * a[o3 + i + 1];
      }
      if (i < m) {
        const vi = v[i];
        d0 += vi * a[o0 + i];
        d1 += vi * a[o1 + i];
        d2 += vi * a[o2 + i];
        d3 += vi * a[o3 + i];
      }
      d0 += e0;
      d1 += e1;
      d2 += e2;
      d3 += e3;
      const f0 = (2 * d0) / vtv, f1 = (2 * d1) / vtv, f2 = (2 * d2) / vtv, f3 = (2 * d3) / vtv;
      const vj = v[j];
      a[o0 + j] -= f0 * vj;
      a[o1 + j] -= f1 * vj;
      a[o2 + j] -= f2 * vj;
      a[o3 + j] -= f3 * vj;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let i = j + 1; i < m; i++) {
        const vi = v[i];
        const x0 = a[o0 + i] - f0 * vi, x1 = a[o1 + i] - f1 * vi, x2 = a[o2 + i] - f2 * vi, x3 = a[o3 + i] - f3 * vi;
        a[o0 + i] = x0;
        a[o1 + i] = x1;
        a[o2 + i] = x2;
        a[o3 + i] = x3;
        t0 += x0 * x0;
        t1 += x1 * x1;
        t2 += x2 * x2;
        t3 += x3 * x3;
      }
      norms[c] = t0;
      norms[c + 1] = t1;
      norms[c + 2] = t2;
      norms[c + 3] = t3;
    }
    for (; c < n; c++) {
      const o = c * m;
      let d0 = 0;
      for (let i = j; i < m; i++) d0 += v[i] * a[o + i];
      const f = (2 * d0) / vtv;
      a[o + j] -= f * v[j];
      let t = 0;
      for (let i = j + 1; i < m; i++) {
        const x = (a[o + i] -= f * v[i]);
        t += x * x;
      }
      norms[c] = t;
    }
    a[oj + j] = beta;
    for (let i = j + 1; i < m; i++) a[oj + i] = 0;
  }
  const R = zeros(Math.min(steps, m), n);
  for (let i = 0; i < R.rows; i++) for (let c = i; c < n; c++) R.data[i * n + c] = a[c * m + i];
  let tail = 0;
  for (let c = steps; c < n; c++) for (let i = steps; i < m; i++) tail += a[c * m + i] * a[c * m + i];
  return { idx, steps, R, rdiagAbs, trailingFro: Math.sqrt(tail) };
}

/** Solves the upper-triangular system T·X = B (T is k×k, given as the leading block of R). */
export function solveUpper(R: Mat, k: number, B: Mat): Mat {
  const n = R.cols, p = B.cols;
  const X = zeros(k, p);
  const x = X.data, r = R.data;
  // Row-oriented back substitution: row i of X is (row i of B − Σ_{l>i} R_il · row l of X) / R_ii,
  // so every inner loop runs along contiguous rows.
  for (let i = k - 1; i >= 0; i--) {
    const xi = i * p;
    x.set(B.data.subarray(xi, xi + p), xi);
    for (let l = i + 1; l < k; l++) {
      const f = r[i * n + l];
      if (f === 0) continue;
      const xl = l * p;
      for (let c = 0; c < p; c++) x[xi + c] -= f * x[xl + c];
    }
    const d = r[i * n + i];
    for (let c = 0; c < p; c++) x[xi + c] /= d;
  }
  return X;
}
