// Moore–Penrose pseudo-inverse by the SVD route, plus the two routes the post
// derives it by (ridge limit and eigen-decomposition of AᵀA) for teaching.
import { type Mat, EPS, zeros, matmulAtB, matmul, transpose } from './matrix.ts';
import { svdRows } from './svd.ts';

type SvdRows = ReturnType<typeof svdRows>;

export interface Pinv {
  /** n×m. */
  X: Mat;
  rank: number;
  /** All singular values of A, descending. */
  s: Float64Array;
  /** σ_max / σ_rank (1 when rank is 0). */
  condKept: number;
}

/** Default cut-off: NumPy's max(m,n)·eps. */
export function defaultRtol(m: number, n: number): number {
  return Math.max(m, n) * EPS;
}

/** Σ_k w_k v_k u_kᵀ from singular vectors stored as rows: (Vᵀ scaled by w)ᵀ·Uᵀ, an n×m matrix. */
function weightedOuter(Vt: Mat, Ut: Mat, w: ArrayLike<number>, count: number): Mat {
  const n = Vt.cols, m = Ut.cols;
  const W = zeros(n, count);
  for (let k = 0; k < count; k++) {
    const wk = w[k];
    for (let i = 0; i < n; i++) W.data[i * count + k] = Vt.data[k * n + i] * wk;
  }
  return matmul(W, { rows: count, cols: m, data: Ut.data.subarray(0, count * m) });
}

/** Keeps σ_i > rtol·σ_max and inverts only those; the zero matrix gives the zero pinv. */
export function pinv(A: Mat, rtol = defaultRtol(A.rows, A.cols), factors: SvdRows = svdRows(A)): Pinv {
  const { s, Ut, Vt } = factors;
  const smax = s.length ? s[0] : 0;
  let rank = 0;
  if (smax > 0) for (let i = 0; i < s.length; i++) if (s[i] > rtol * smax) rank++;
  const inv = new Float64Array(rank);
  for (let i = 0; i < rank; i++) inv[i] = 1 / s[i];
  return { X: weightedOuter(Vt, Ut, inv, rank), rank, s, condKept: rank ? smax / s[rank - 1] : 1 };
}

/** The ridge path B_ε = (AᵀA+εI)⁻¹Aᵀ, evaluated as V diag(σ/(σ²+ε)) Uᵀ so AᵀA is never formed. */
export function ridgePath(A: Mat, epsilons: readonly number[], rtol = defaultRtol(A.rows, A.cols), factors: SvdRows = svdRows(A)): Mat[] {
  const { s, Ut, Vt } = factors;
  // σ below the rank cut-off are rounding noise of exact zeros; left in, σ/ε would blow them up.
  const cut = (s[0] ?? 0) * rtol;
  return epsilons.map((eps) => {
    if (!(eps > 0)) throw new Error('ridge ε must be positive');
    const w = Array.from(s, (x) => (x > cut ? x / (x * x + eps) : 0));
    return weightedOuter(Vt, Ut, w, s.length);
  });
}

/**
 * The post's derivation: AᵀA = WΛWᵀ, A† = W Λ† Wᵀ Aᵀ. Forming AᵀA squares the condition
 * number and loses every σ below about √eps·σ_max; the demo shows that next to the SVD route.
 * (For the symmetric PSD matrix AᵀA the SVD is its eigen-decomposition, W = V.)
 */
export function pinvEigenRoute(A: Mat, rtol = defaultRtol(A.rows, A.cols)): { X: Mat; rank: number } {
  const G = matmulAtB(A, A);
  const { s: lambda, Vt } = svdRows(G);
  const lmax = lambda[0] ?? 0;
  // Eigenvalues are σ², so the σ cut-off rtol·σ_max becomes (rtol·σ_max)².
  const inv = Array.from(lambda, (l) => (lmax > 0 && l > rtol * rtol * lmax ? 1 / l : 0));
  const rank = inv.filter((k) => k !== 0).length;
  // W Λ† Wᵀ is Σ_k (1/λ_k) w_k w_kᵀ.
  const M = weightedOuter(Vt, Vt, inv, rank);
  return { X: matmul(M, transpose(A)), rank };
}
