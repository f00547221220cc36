// msign(M) = U_r V_rᵀ, by SVD and by Newton–Schulz with the coefficient schedules of the post.
import { type Mat, zeros, transpose, matmulABt, matmul, froNorm, scale } from './matrix.ts';
import { svdRows, numericalRank } from './svd.ts';

export type Coeffs = readonly [number, number, number];

const per1024 = (rows: number[][]): Coeffs[] => rows.map(([a, b, c]) => [a / 1024, b / 1024, c / 1024] as const);
const repeat = (c: Coeffs, t: number): Coeffs[] => Array.from({ length: t }, () => c);

/** The schedules of ALGORITHMS.md §7, keyed as in the golden data. */
export const SCHEDULES: Record<string, readonly Coeffs[]> = {
  muon_keller_jordan_T5: repeat([3.4445, -4.775, 2.0315], 5),
  su_shared_T5: repeat([3.3748, -4.6969, 2.1433], 5),
  youjiacheng_T6: per1024([[3955, -8306, 5008], [3735, -6681, 3463], [3799, -6499, 3211], [4019, -6385, 2906], [2677, -3029, 1162], [2172, -1833, 682]]),
  su_ours_x_k50_T6: per1024([[4140, -7553, 3571], [3892, -6637, 2973], [3668, -6456, 3021], [3248, -6211, 3292], [2792, -5759, 3796], [3176, -5507, 4048]]),
  su_ours_x2_k200_T6: per1024([[4059, -7178, 3279], [3809, -6501, 2925], [3488, -6308, 3063], [2924, -5982, 3514], [2439, -5439, 4261], [3148, -5464, 4095]]),
  su_ours_x3_T5: [[4.6182, -12.9582, 9.3299], [3.8496, -7.9585, 4.3052], [3.5204, -7.2918, 4.0606], [3.2067, -6.8243, 4.2802], [3.2978, -5.7848, 3.8917]],
  'cubic_1.5_-0.5_T10': repeat([1.5, -0.5, 0], 10),
};


/** x_T = g_T∘…∘g_1(x₀) with g_t(x) = a x + b x³ + c x⁵: what NS does to each normalised σ. */
export function scalarMap(x0: number, schedule: readonly Coeffs[]): number {
  let x = x0;
  for (const [a, b, c] of schedule) {
    const x2 = x * x;
    x = a * x + b * x2 * x + c * x2 * x2 * x;
  }
  return x;
}

export interface NsOptions {
  /** The post's improved start: divide by (‖(XXᵀ)²‖_F² + ε)^{1/8} during step 1. */
  renormFirstStep?: boolean;
  /** Collect X_t after every step (for the step-by-step plot). */
  keepHistory?: boolean;
}

export interface NsResult {
  X: Mat;
  history: Mat[];
}

/**
 * Newton–Schulz in float64, left-Gram form X ← aX + (b·XXᵀ + c·(XXᵀ)²)·X on the wide
 * orientation (a tall M is transposed so the Gram matrix is the small one).
 */
export function newtonSchulz(M: Mat, schedule: readonly Coeffs[], opts: NsOptions = {}): NsResult {
  const tall = M.rows > M.cols;
  let X = tall ? transpose(M) : { rows: M.rows, cols: M.cols, data: new Float64Array(M.data) };
  const f = froNorm(X);
  X = scale(X, 1 / Math.sqrt(f * f + 1e-20));
  const history: Mat[] = [];
  schedule.forEach(([a, b, c], t) => {
    let G = matmulABt(X, X);
    let G2 = matmul(G, G);
    if (t === 0 && opts.renormFirstStep) {
      const g2 = froNorm(G2);
      const nrm = Math.pow(g2 * g2 + 1e-20, 1 / 8);
      X = scale(X, 1 / nrm);
      G = scale(G, 1 / nrm ** 2);
      G2 = scale(G2, 1 / nrm ** 4);
    }
    const B = zeros(G.rows, G.cols);
    for (let i = 0; i < B.data.length; i++) B.data[i] = b * G.data[i] + c * G2.data[i];
    const BX = matmul(B, X);
    const next = zeros(X.rows, X.cols);
    for (let i = 0; i < next.data.length; i++) next.data[i] = a * X.data[i] + BX.data[i];
    X = next;
    if (opts.keepHistory) history.push(tall ? transpose(X) : X);
  });
  return { X: tall ? transpose(X) : X, history };
}

/** msign by SVD: U_r V_rᵀ with r the numerical rank. */
export function msignSvd(M: Mat): { O: Mat; rank: number; s: Float64Array } {
  const { s, Ut, Vt } = svdRows(M);
  const r = numericalRank(s, M.rows, M.cols);
  const O = zeros(M.rows, M.cols);
  for (let k = 0; k < r; k++)
    for (let i = 0; i < M.rows; i++) {
      const u = Ut.data[k * M.rows + i];
      for (let j = 0; j < M.cols; j++) O.data[i * M.cols + j] += u * Vt.data[k * M.cols + j];
    }
  return { O, rank: r, s };
}
