// CUR: M ≈ C·U·R with C = M[:, cols], R = M[rows, :], under several selection rules.
import { type Mat, zeros, matmul, sub, froNorm, colNorms, rowNorms, selectCols, selectRows, transpose, topIndices, argmax, solve } from './matrix.ts';
import { pinv } from './pinv.ts';
import { svdRows, singularValues } from './svd.ts';
import { pivotedQr } from './qr.ts';
import { froErrorAtRank } from './lowrank.ts';

export const CUR_RULES = ['norm_top', 'pivoted_qr', 'leverage_top', 'deim'] as const;
export type CurRule = (typeof CUR_RULES)[number];

export interface CurSelection {
  cols: number[];
  rows: number[];
}

export interface CurResult extends CurSelection {
  Uopt: Mat;
  froErrorUopt: number;
  Uintersection: Mat;
  froErrorUintersection: number;
  condW: number;
}

/** Leverage scores with γ = r: ‖V[j,:r]‖² per column, ‖U[i,:r]‖² per row. Each list sums to r. */
export function leverageScores(M: Mat, r: number): { col: number[]; row: number[] } {
  const { Ut, Vt } = svdRows(M);
  const col = new Array(M.cols).fill(0), row = new Array(M.rows).fill(0);
  for (let k = 0; k < Math.min(r, Vt.rows); k++) {
    for (let j = 0; j < M.cols; j++) col[j] += Vt.data[k * M.cols + j] ** 2;
    for (let i = 0; i < M.rows; i++) row[i] += Ut.data[k * M.rows + i] ** 2;
  }
  return { col, row };
}

/**
 * DEIM on the leading r singular vectors (given as rows of Vt: vectors[k] is the k-th vector).
 * At step j the residual of v_j after interpolating it on the chosen indices picks the next index.
 */
export function deim(vectors: Mat, r: number): number[] {
  const n = vectors.cols;
  const v = (k: number, i: number) => vectors.data[k * n + i];
  const S: number[] = [argmax(Array.from({ length: n }, (_, i) => Math.abs(v(0, i))))];
  for (let j = 1; j < r; j++) {
    // Solve V[S,:j]·c = V[S,j].
    const A = zeros(j, j), b = zeros(j, 1);
    for (let a = 0; a < j; a++) {
      for (let c = 0; c < j; c++) A.data[a * j + c] = v(c, S[a]);
      b.data[a] = v(j, S[a]);
    }
    // V[S,:j] is invertible by construction (each new index has a non-zero residual).
    let c: ArrayLike<number>;
    try {
      c = solve(A, b.data);
    } catch {
      c = matmul(pinv(A).X, b).data;
    }
    const res: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = v(j, i);
      for (let q = 0; q < j; q++) t -= v(q, i) * c[q];
      res.push(Math.abs(t));
    }
    S.push(argmax(res));
  }
  return S;
}

export function curSelect(M: Mat, r: number, rule: CurRule): CurSelection {
  const max = Math.min(M.rows, M.cols);
  if (!Number.isInteger(r) || r < 1 || r > max) throw new Error(`r must be an integer in 1..${max}`);
  switch (rule) {
    case 'norm_top':
      return { cols: topIndices(colNorms(M), r), rows: topIndices(rowNorms(M), r) };
    case 'pivoted_qr':
      return { cols: pivotedQr(M, r).idx.slice(0, r), rows: pivotedQr(transpose(M), r).idx.slice(0, r) };
    case 'leverage_top': {
      const lev = leverageScores(M, r);
      return { cols: topIndices(lev.col, r), rows: topIndices(lev.row, r) };
    }
    case 'deim': {
      const { Ut, Vt } = svdRows(M);
      return { cols: deim(Vt, r), rows: deim(Ut, r) };
    }
  }
}

export function curWithSelection(M: Mat, sel: CurSelection): CurResult {
  const C = selectCols(M, sel.cols), R = selectRows(M, sel.rows);
  const Uopt = matmul(matmul(pinv(C).X, M), pinv(R).X);
  const W = selectCols(selectRows(M, sel.rows), sel.cols);
  const Uint = pinv(W).X;
  const err = (U: Mat) => froNorm(sub(matmul(matmul(C, U), R), M));
  const sw = singularValues(W);
  return {
    ...sel,
    Uopt,
    froErrorUopt: err(Uopt),
    Uintersection: Uint,
    froErrorUintersection: err(Uint),
    condW: sw.length && sw[sw.length - 1] > 0 ? sw[0] / sw[sw.length - 1] : Infinity,
  };
}

export function cur(M: Mat, r: number, rule: CurRule): CurResult {
  return curWithSelection(M, curSelect(M, r, rule));
}

export interface CurDistributions {
  colNorms: number[];
  rowNorms: number[];
  colProbNorm: number[];
  colProbNormSq: number[];
  rowProbNorm: number[];
  rowProbNormSq: number[];
  colLeverage: number[];
  rowLeverage: number[];
  svdRankRFroError: number;
}

const normalise = (v: number[]) => {
  const s = v.reduce((a, b) => a + b, 0);
  return v.map((x) => (s > 0 ? x / s : 1 / v.length));
};

export function curDistributions(M: Mat, r: number): CurDistributions {
  const cn = colNorms(M), rn = rowNorms(M);
  const lev = leverageScores(M, r);
  return {
    colNorms: cn,
    rowNorms: rn,
    colProbNorm: normalise(cn),
    colProbNormSq: normalise(cn.map((x) => x * x)),
    rowProbNorm: normalise(rn),
    rowProbNormSq: normalise(rn.map((x) => x * x)),
    colLeverage: lev.col,
    rowLeverage: lev.row,
    svdRankRFroError: froErrorAtRank(singularValues(M), r),
  };
}

export type CurSamplingRule = 'norm' | 'norm_sq' | 'uniform' | 'leverage';

/**
 * The randomised rules: r distinct columns and r distinct rows, drawn one at a time with
 * probability proportional to the chosen weights among those not yet taken. `norm` is the
 * post's wording (∝‖m_j‖); `norm_sq` is the Drineas–Mahoney convention (∝‖m_j‖²).
 */
export function curSampleSelect(M: Mat, r: number, rule: CurSamplingRule, rand: () => number): CurSelection {
  const max = Math.min(M.rows, M.cols);
  if (!Number.isInteger(r) || r < 1 || r > max) throw new Error(`r must be an integer in 1..${max}`);
  const lev = rule === 'leverage' ? leverageScores(M, r) : null;
  const weights = (norms: number[], levs: number[] | undefined) =>
    rule === 'norm' ? norms : rule === 'norm_sq' ? norms.map((x) => x * x) : rule === 'uniform' ? norms.map(() => 1) : levs!;
  const draw = (w: number[]) => {
    const left = w.map((x) => Math.max(0, x));
    const out: number[] = [];
    for (let t = 0; t < r; t++) {
      let total = left.reduce((a, b) => a + b, 0);
      // Once only zero-weight entries remain, fall back to uniform among them.
      if (!(total > 0)) left.forEach((_, i) => (left[i] = out.includes(i) ? 0 : 1)), (total = left.reduce((a, b) => a + b, 0));
      let u = rand() * total, i = 0;
      while (i < left.length - 1 && (u >= left[i] || left[i] === 0)) u -= left[i++];
      out.push(i);
      left[i] = 0;
    }
    return out;
  };
  return { cols: draw(weights(colNorms(M), lev?.col)), rows: draw(weights(rowNorms(M), lev?.row)) };
}
