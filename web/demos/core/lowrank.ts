// Eckart–Young–Mirsky: the best rank-r approximation and its errors from the spectrum.
import { type Mat, zeros } from './matrix.ts';
import { svdRows } from './svd.ts';

/** ‖M − M_r‖_F = √(Σ_{j>r} σ_j²), summed from the tail so small terms are not swamped. */
export function froErrorAtRank(s: ArrayLike<number>, r: number): number {
  let t = 0;
  for (let i = s.length - 1; i >= r; i--) t += s[i] * s[i];
  return Math.sqrt(t);
}

/** ‖M − M_r‖₂ = σ_{r+1} (0 once r reaches the number of singular values). */
export function specErrorAtRank(s: ArrayLike<number>, r: number): number {
  return r < s.length ? s[r] : 0;
}

/** The rank-r truncation is unique when σ_r > σ_{r+1}; a relative gap below 1e-10 counts as a tie. */
export function truncationUnique(s: ArrayLike<number>, r: number): boolean {
  if (r <= 0 || r >= s.length) return true;
  const scale = Math.max(s[0], Number.MIN_VALUE);
  return s[r - 1] - s[r] > 1e-10 * scale;
}

/** U_r Σ_r V_rᵀ from singular vectors stored as rows. */
export function truncate(Ut: Mat, s: ArrayLike<number>, Vt: Mat, r: number): Mat {
  const m = Ut.cols, n = Vt.cols;
  const A = zeros(m, n);
  for (let k = 0; k < Math.min(r, s.length); k++) {
    const sk = s[k];
    for (let i = 0; i < m; i++) {
      const c = Ut.data[k * m + i] * sk;
      if (c === 0) continue;
      for (let j = 0; j < n; j++) A.data[i * n + j] += c * Vt.data[k * n + j];
    }
  }
  return A;
}

/** The best rank-r approximation of M (Eckart–Young). */
export function bestRankR(M: Mat, r: number): Mat {
  const { s, Ut, Vt } = svdRows(M);
  return truncate(Ut, s, Vt, r);
}

/**
 * Sign convention of the golden data: in each column of U the entry of largest |value|
 * (first on ties) is positive, and the matching column of V flips with it. Works in place
 * on vectors stored as rows.
 */
export function applySignConvention(Ut: Mat, Vt: Mat): void {
  for (let k = 0; k < Ut.rows; k++) {
    let best = 0, bv = -1;
    for (let i = 0; i < Ut.cols; i++) {
      const v = Math.abs(Ut.data[k * Ut.cols + i]);
      if (v > bv) { bv = v; best = i; }
    }
    if (Ut.data[k * Ut.cols + best] < 0) {
      for (let i = 0; i < Ut.cols; i++) Ut.data[k * Ut.cols + i] = -Ut.data[k * Ut.cols + i];
      for (let i = 0; i < Vt.cols; i++) Vt.data[k * Vt.cols + i] = -Vt.data[k * Vt.cols + i];
    }
  }
}
