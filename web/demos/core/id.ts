// Interpolative decomposition (column ID): A ≈ A[:, S]·P, S chosen by pivoted QR,
// plus the post's r = 1 exhaustive rule and its greedy extension for comparison.
import { type Mat, zeros, selectCols, matmul, sub, froNorm, matmulAtB } from './matrix.ts';
import { pivotedQr, solveUpper } from './qr.ts';
import { pinv } from './pinv.ts';
import { singularValues } from './svd.ts';
import { froErrorAtRank } from './lowrank.ts';

export interface InterpDecomp {
  /** Full permutation as scipy returns it (swap-based pivoting). */
  idx: number[];
  /** idx[:k], in pivot order. */
  skeleton: number[];
  /** k×(n−k); column j goes with idx[k+j]. */
  proj: Mat;
  /** k×n interpolation matrix in the original column order. */
  P: Mat;
  rdiagAbs: number[];
  /** ‖R₂₂‖_F, which equals ‖A − A[:,S]P‖_F. */
  trailingFro: number;
}

/** scipy.linalg.interpolative.interp_decomp(A, k, rand=False), reproduced. */
export function interpDecomp(A: Mat, k: number): InterpDecomp {
  const n = A.cols;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(A.rows, n)) throw new Error(`rank k must be an integer in 1..${Math.min(A.rows, n)}`);
  const qr = pivotedQr(A, k);
  const R12 = zeros(k, n - k);
  for (let i = 0; i < k; i++) for (let c = k; c < n; c++) R12.data[i * (n - k) + c - k] = qr.R.data[i * n + c];
  let proj: Mat;
  const r00 = qr.rdiagAbs[0] ?? 0;
  const singular = qr.rdiagAbs.some((d) => d <= 1e-14 * r00 || d === 0);
  if (!singular) proj = solveUpper(qr.R, k, R12);
  else {
    // Rank below k: R₁₁ is singular, so take the minimum-norm solution instead of dividing by ~0.
    const R11 = zeros(k, k);
    for (let i = 0; i < k; i++) for (let c = i; c < k; c++) R11.data[i * k + c] = qr.R.data[i * n + c];
    proj = matmul(pinv(R11).X, R12);
  }
  const P = zeros(k, n);
  for (let i = 0; i < k; i++) {
    P.data[i * n + qr.idx[i]] = 1;
    for (let j = 0; j < n - k; j++) P.data[i * n + qr.idx[k + j]] = proj.data[i * (n - k) + j];
  }
  return { idx: qr.idx, skeleton: qr.idx.slice(0, k), proj, P, rdiagAbs: qr.rdiagAbs, trailingFro: qr.trailingFro };
}

/** A − A[:,S]·Z. */
export function idResidual(A: Mat, skeleton: readonly number[], Z: Mat): Mat {
  return sub(A, matmul(selectCols(A, skeleton), Z));
}

/** The optimal coefficients for fixed columns: Z = C⁺A. */
export function optimalCoefficients(A: Mat, skeleton: readonly number[]): Mat {
  return matmul(pinv(selectCols(A, skeleton)).X, A);
}

/** ‖A − C C⁺ A‖_F for a chosen column set. */
export function columnSubsetError(A: Mat, skeleton: readonly number[]): number {
  return froNorm(idResidual(A, skeleton, optimalCoefficients(A, skeleton)));
}

/**
 * The post's r = 1 rule: total squared error of projecting every column onto column i,
 * ‖A‖_F² − Σ_j (a_jᵀa_i)²/‖a_i‖². A zero column explains nothing.
 */
export function r1TotalSqErrors(A: Mat): number[] {
  const G = matmulAtB(A, A);
  const n = A.cols;
  let total = 0;
  for (let i = 0; i < n; i++) total += G.data[i * n + i];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const gii = G.data[i * n + i];
    if (gii === 0) { out.push(total); continue; }
    let explained = 0;
    for (let j = 0; j < n; j++) explained += G.data[i * n + j] ** 2;
    out.push(total - explained / gii);
  }
  return out;
}

export function r1ExhaustiveBest(A: Mat): number {
  const e = r1TotalSqErrors(A);
  let best = 0;
  for (let i = 1; i < e.length; i++) if (e[i] < e[best]) best = i;
  return best;
}

/**
 * Greedy extension of the r = 1 rule: deflate the chosen directions, then take the
 * column whose normalised residual explains the most remaining energy. Returns null
 * when the choice is a tie (relative margin ≤ 1e-6), e.g. once the residual is zero.
 */
export function greedyMinErrorColumns(A: Mat, k: number): number[] | null {
  const m = A.rows, n = A.cols;
  const R = zeros(m, n);
  R.data.set(A.data);
  const chosen: number[] = [];
  for (let step = 0; step < k; step++) {
    const G = matmulAtB(R, R);
    const scores: number[] = [];
    for (let i = 0; i < n; i++) {
      const gii = G.data[i * n + i];
      if (chosen.includes(i) || !(gii > 0)) { scores.push(-Infinity); continue; }
      let e = 0;
      for (let j = 0; j < n; j++) e += G.data[i * n + j] ** 2;
      scores.push(e / gii);
    }
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const best = order[0], second = order[1];
    if (!(scores[best] > 0)) return null;
    if (second !== undefined && scores[best] - scores[second] <= 1e-6 * scores[best]) return null;
    chosen.push(best);
    const u = new Float64Array(m);
    const nrm = Math.sqrt(G.data[best * n + best]);
    for (let i = 0; i < m; i++) u[i] = R.data[i * n + best] / nrm;
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += u[i] * R.data[i * n + j];
      for (let i = 0; i < m; i++) R.data[i * n + j] -= d * u[i];
    }
  }
  return chosen;
}

export interface IdSummary {
  id: InterpDecomp;
  froError: number;
  specError: number;
  svdRankKFroError: number;
  maxAbsProj: number;
}

export function idSummary(A: Mat, k: number): IdSummary {
  const id = interpDecomp(A, k);
  const E = idResidual(A, id.skeleton, id.P);
  const s = singularValues(E);
  let maxAbsProj = 0;
  for (const v of id.proj.data) maxAbsProj = Math.max(maxAbsProj, Math.abs(v));
  return {
    id,
    froError: froNorm(E),
    specError: s.length ? s[0] : 0,
    svdRankKFroError: froErrorAtRank(singularValues(A), k),
    maxAbsProj,
  };
}


/**
 * Randomised ID, variant (a) of the post: sketch the rows with a d×m Gaussian Ω (entries
 * N(0, 1/m)), choose the columns by pivoted QR of ΩA, then take Z = C⁺A on the full matrix.
 */
export function randomizedId(A: Mat, k: number, d: number, gauss: () => number): { skeleton: number[]; froError: number } {
  const m = A.rows;
  if (!Number.isInteger(d) || d < k) throw new Error('the sketch needs at least k rows');
  const Omega = zeros(d, m);
  for (let i = 0; i < Omega.data.length; i++) Omega.data[i] = gauss() / Math.sqrt(m);
  const skeleton = interpDecomp(matmul(Omega, A), k).skeleton;
  return { skeleton, froError: columnSubsetError(A, skeleton) };
}

/**
 * "Optim-RID", variant (b): sample `pool` columns uniformly, keep the k that pivoted QR picks
 * among them, then Z = C⁺A.
 */
export function optimRid(A: Mat, k: number, pool: number, rand: () => number): { skeleton: number[]; froError: number } {
  const n = A.cols;
  if (!Number.isInteger(pool) || pool < k || pool > n) throw new Error(`the pool must hold k..${n} columns`);
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const cand = all.slice(0, pool).sort((a, b) => a - b);
  const skeleton = interpDecomp(selectCols(A, cand), k).skeleton.map((j) => cand[j]);
  return { skeleton, froError: columnSubsetError(A, skeleton) };
}
