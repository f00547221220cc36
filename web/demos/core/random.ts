// Seeded random inputs for the demos and property tests.
import { type Mat, zeros } from './matrix.ts';

/** mulberry32: small, fast, good enough for demo inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): () => number {
  return () => {
    let u = 0;
    while (u === 0) u = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

export function gaussianMatrix(m: number, n: number, seed: number): Mat {
  const g = gaussian(rng(seed));
  const A = zeros(m, n);
  for (let i = 0; i < A.data.length; i++) A.data[i] = g();
  return A;
}

/** r orthonormal vectors of length n (as rows), by modified Gram–Schmidt on Gaussian draws. */
function orthonormalRows(r: number, n: number, g: () => number): Float64Array {
  const Q = new Float64Array(r * n);
  for (let k = 0; k < r; k++) {
    for (;;) {
      for (let i = 0; i < n; i++) Q[k * n + i] = g();
      for (let pass = 0; pass < 2; pass++)
        for (let j = 0; j < k; j++) {
          let d = 0;
          for (let i = 0; i < n; i++) d += Q[j * n + i] * Q[k * n + i];
          for (let i = 0; i < n; i++) Q[k * n + i] -= d * Q[j * n + i];
        }
      let nrm = 0;
      for (let i = 0; i < n; i++) nrm += Q[k * n + i] ** 2;
      nrm = Math.sqrt(nrm);
      if (nrm > 1e-8) {
        for (let i = 0; i < n; i++) Q[k * n + i] /= nrm;
        break;
      }
    }
  }
  return Q;
}

export interface SpectrumSpec {
  rows: number;
  cols: number;
  /** Number of non-zero singular values before noise. */
  rank: number;
  /** σ_i = decay^i (0 < decay ≤ 1): 1 gives a flat spectrum, small values a steep one. */
  decay: number;
  /** Entrywise Gaussian noise level added on top. */
  noise?: number;
  seed: number;
}

/** A matrix with a chosen rank and geometric spectrum decay: Σ σ_i u_i v_iᵀ (+ noise). */
export function matrixWithSpectrum(spec: SpectrumSpec): Mat {
  const { rows: m, cols: n, seed } = spec;
  const r = Math.max(0, Math.min(spec.rank, m, n));
  const g = gaussian(rng(seed));
  const U = orthonormalRows(r, m, g), V = orthonormalRows(r, n, g);
  const A = zeros(m, n);
  for (let k = 0; k < r; k++) {
    const s = spec.decay ** k;
    for (let i = 0; i < m; i++) {
      const u = U[k * m + i] * s;
      for (let j = 0; j < n; j++) A.data[i * n + j] += u * V[k * n + j];
    }
  }
  if (spec.noise) for (let i = 0; i < A.data.length; i++) A.data[i] += spec.noise * g();
  return A;
}
