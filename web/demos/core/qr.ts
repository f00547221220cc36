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
  // norms[c] estimates Σ_{i≥j} a[c][i]² at step j: exact at the start, then downdated, and
  // summed exactly again (top to bottom, as a separate pass would) whenever it matters.
  const norms = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += a[c * m + i] * a[c * m + i];
    norms[c] = t;
  }
  // errs[c] bounds |norms[c] − the exact sum|: 0 after an exact sum, growing with each downdate.
  const errs = new Float64Array(n);
  // Per downdate, the error grows by at most this times the norm (a generous multiple of the
  // rounding-error bound of one Householder update plus the two sums).
  const slack = 32 * (m + 8) * 2 ** -52;
  for (let j = 0; j < steps; j++) {
    // The pivot is the column with the largest exact sum Σ_{i≥j} a_c[i]² (first index on ties).
    // Only columns whose downdated estimate could reach the largest lower bound can be it; just
    // those are summed exactly, so the choice is the one exact sums of every column would give
    // while the update pass does not have to add up norms.
    let floor = -Infinity;
    for (let c = j; c < n; c++) if (norms[c] - errs[c] > floor) floor = norms[c] - errs[c];
    let best = -1, bv = -1;
    for (let c = j; c < n; c++) {
      if (norms[c] + errs[c] < floor) continue;
      if (errs[c] !== 0) {
        const o = c * m;
        let t = 0;
        for (let i = j; i < m; i++) t += a[o + i] * a[o + i];
        norms[c] = t;
        errs[c] = 0;
      }
      if (norms[c] > bv) { bv = norms[c]; best = c; }
    }
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
      errs[best] = errs[j];
    }
    const oj = j * m;
    const alpha = Math.sqrt(bv);
    rdiagAbs.push(alpha);
    if (alpha === 0) {
      // The largest remaining column is zero, so all are: every later step is the same no-op.
      for (let r = j + 1; r < steps; r++) rdiagAbs.push(0);
      break;
    }
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
      for (let i = j + 1; i < m; i++) {
        const vi = v[i];
        a[o0 + i] -= f0 * vi;
        a[o1 + i] -= f1 * vi;
        a[o2 + i] -= f2 * vi;
        a[o3 + i] -= f3 * vi;
      }
    }
    for (; c < n; c++) {
      const o = c * m;
      let d0 = 0;
      for (let i = j; i < m; i++) d0 += v[i] * a[o + i];
      const f = (2 * d0) / vtv;
      a[o + j] -= f * v[j];
      for (let i = j + 1; i < m; i++) a[o + i] -= f * v[i];
    }
    // Downdate: the sum over rows ≥ j+1 is the old sum minus the new row-j entry squared.
    for (let c2 = j + 1; c2 < n; c2++) {
      const r = a[c2 * m + j], prev = norms[c2];
      norms[c2] = prev - r * r;
      errs[c2] += slack * (Math.abs(prev) + errs[c2]) + 1e-290;
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
