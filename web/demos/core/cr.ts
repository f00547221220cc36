// CR approximation of a product X·Y from a subset of the l inner terms x_i y_iᵀ.
import { type Mat, zeros, matmul, matmulAtB, matmulABt, sub, froNorm, colNorms, rowNorms, selectCols, selectRows, topIndices } from './matrix.ts';
import { pinv } from './pinv.ts';

export interface CrSampling {
  colNormsX: number[];
  rowNormsY: number[];
  /** w_i = ‖x_i‖·‖y_i‖ = ‖x_i y_iᵀ‖_F. */
  weights: number[];
  /** The optimal single-draw distribution p_i ∝ w_i. */
  probabilities: number[];
  /** (r·p_i)^{-1/2}; null where p_i = 0 (such a term is never drawn). */
  scaleIfSampled: (number | null)[];
  productFroNorm: number;
  singleSampleMseOptimal: number;
  singleSampleMseUniform: number;
  rSampleMseOptimal: number;
  rSampleMseUniform: number;
}

function checkShapes(X: Mat, Y: Mat): void {
  if (X.cols !== Y.rows) throw new Error(`X is ${X.rows}x${X.cols} but Y is ${Y.rows}x${Y.cols}`);
}

export function crSampling(X: Mat, Y: Mat, r: number): CrSampling {
  checkShapes(X, Y);
  const l = X.cols;
  const cx = colNorms(X), ry = rowNorms(Y);
  const w = cx.map((c, i) => c * ry[i]);
  const sw = w.reduce((a, b) => a + b, 0);
  const sw2 = w.reduce((a, b) => a + b * b, 0);
  const p = w.map((x) => (sw > 0 ? x / sw : 1 / l));
  const xy = froNorm(matmul(X, Y));
  const single = sw * sw - xy * xy;
  const uniform = l * sw2 - xy * xy;
  return {
    colNormsX: cx,
    rowNormsY: ry,
    weights: w,
    probabilities: p,
    scaleIfSampled: p.map((pi) => (pi > 0 ? 1 / Math.sqrt(r * pi) : null)),
    productFroNorm: xy,
    singleSampleMseOptimal: single,
    singleSampleMseUniform: uniform,
    rSampleMseOptimal: single / r,
    rSampleMseUniform: uniform / r,
  };
}

/** ‖X[:,S]·diag(λ)·Y[S,:] − XY‖_F; λ ≡ 1 when omitted. */
export function crError(X: Mat, Y: Mat, S: readonly number[], lambda?: ArrayLike<number>): number {
  const C = selectCols(X, S), R = selectRows(Y, S);
  if (lambda) for (let i = 0; i < C.rows; i++) for (let j = 0; j < S.length; j++) C.data[i * S.length + j] *= lambda[j];
  return froNorm(sub(matmul(C, R), matmul(X, Y)));
}

/** The deterministic baseline: the r largest w_i, ties to the smaller index, ascending. */
export function crTopIndices(X: Mat, Y: Mat, r: number): number[] {
  checkShapes(X, Y);
  const cx = colNorms(X), ry = rowNorms(Y);
  return topIndices(cx.map((c, i) => c * ry[i]), r);
}

/** Best diagonal Λ for fixed S: λ = (UᵀU)⁺UᵀV𝟏 with UᵀU = (CᵀC)⊙(RRᵀ), UᵀV𝟏 = ((CᵀX)⊙(RYᵀ))𝟏. */
export function crOptimalDiag(X: Mat, Y: Mat, S: readonly number[]): number[] {
  const C = selectCols(X, S), R = selectRows(Y, S);
  const r = S.length;
  const CtC = matmulAtB(C, C), RRt = matmulABt(R, R);
  const CtX = matmulAtB(C, X), RYt = matmulABt(R, Y);
  const G = zeros(r, r);
  for (let i = 0; i < r * r; i++) G.data[i] = CtC.data[i] * RRt.data[i];
  const b = zeros(r, 1);
  const l = X.cols;
  for (let i = 0; i < r; i++) {
    let t = 0;
    for (let j = 0; j < l; j++) t += CtX.data[i * l + j] * RYt.data[i * l + j];
    b.data[i] = t;
  }
  return Array.from(matmul(pinv(G).X, b).data);
}

/** Best unrestricted Λ for fixed S: C⁺·XY·R⁺. */
export function crOptimalFull(X: Mat, Y: Mat, S: readonly number[]): { Lambda: Mat; froError: number } {
  const C = selectCols(X, S), R = selectRows(Y, S);
  const XY = matmul(X, Y);
  const Lambda = matmul(matmul(pinv(C).X, XY), pinv(R).X);
  return { Lambda, froError: froNorm(sub(matmul(matmul(C, Lambda), R), XY)) };
}

export interface GreedyStep {
  removed: number[];
  sumNorm: number;
}

/**
 * The post's greedy k-tuple removal: (l−r)/k times, drop the k remaining terms whose
 * own sum ‖Σ_{i∈s} x_i y_iᵀ‖_F is smallest (lexicographically first tuple on ties).
 */
export function crGreedy(X: Mat, Y: Mat, r: number, k: number): { steps: GreedyStep[]; kept: number[] } {
  checkShapes(X, Y);
  const l = X.cols;
  if (!(k >= 1) || (l - r) % k !== 0) throw new Error(`greedy removal needs k to divide l − r (l=${l}, r=${r}, k=${k})`);
  // ⟨x_i y_iᵀ, x_j y_jᵀ⟩_F = (x_i·x_j)(y_i·y_j).
  const GX = matmulAtB(X, X), GY = matmulABt(Y, Y);
  const inner = (i: number, j: number) => GX.data[i * l + j] * GY.data[i * l + j];
  let omega = Array.from({ length: l }, (_, i) => i);
  const steps: GreedyStep[] = [];
  for (let t = 0; t < (l - r) / k; t++) {
    let best: number[] = [], bestSq = Infinity;
    const tuple: number[] = [];
    const visit = (start: number) => {
      if (tuple.length === k) {
        let sq = 0;
        for (const a of tuple) for (const b of tuple) sq += inner(a, b);
        if (sq < bestSq) { bestSq = sq; best = tuple.slice(); }
        return;
      }
      for (let p = start; p < omega.length; p++) {
        tuple.push(omega[p]);
        visit(p + 1);
        tuple.pop();
      }
    };
    visit(0);
    steps.push({ removed: best, sumNorm: Math.sqrt(Math.max(0, bestSq)) });
    omega = omega.filter((i) => !best.includes(i));
  }
  return { steps, kept: omega };
}

/** Draws r indices i.i.d. from p and returns the scaled sampled product, for Monte Carlo demos. */
export function crSampleProduct(X: Mat, Y: Mat, p: readonly number[], r: number, rand: () => number): { indices: number[]; approx: Mat } {
  const cdf: number[] = [];
  let acc = 0;
  for (const pi of p) cdf.push((acc += pi));
  const indices: number[] = [];
  const approx = zeros(X.rows, Y.cols);
  for (let t = 0; t < r; t++) {
    const u = rand() * acc;
    let i = cdf.findIndex((c) => u < c);
    if (i < 0) i = p.length - 1;
    while (p[i] === 0 && i > 0) i--;
    indices.push(i);
    const s = 1 / (r * p[i]);
    for (let a = 0; a < X.rows; a++) {
      const xa = X.data[a * X.cols + i] * s;
      if (xa === 0) continue;
      for (let b = 0; b < Y.cols; b++) approx.data[a * Y.cols + b] += xa * Y.data[i * Y.cols + b];
    }
  }
  return { indices, approx };
}
