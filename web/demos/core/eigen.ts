// Symmetric eigen-decomposition by cyclic Jacobi rotations. Used only for the
// teaching routes (the post's AᵀA derivation), on small matrices.
import { type Mat, clone, eye } from './matrix.ts';

/** A = W diag(values) Wᵀ for symmetric A; values descending, eigenvectors in the columns of W. */
export function symmetricEigen(A0: Mat): { values: number[]; vectors: Mat } {
  const n = A0.rows;
  if (A0.cols !== n) throw new Error('symmetricEigen needs a square matrix');
  const A = clone(A0);
  const W = eye(n);
  const a = A.data, w = W.data;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0, tot = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const v = a[i * n + j] * a[i * n + j];
        tot += v;
        if (i !== j) off += v;
      }
    if (off <= 1e-32 * tot || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p], aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const wkp = w[k * n + p], wkq = w[k * n + q];
          w[k * n + p] = c * wkp - s * wkq;
          w[k * n + q] = s * wkp + c * wkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const V = eye(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) V.data[i * n + j] = w[i * n + order[j]];
  return { values: order.map((i) => a[i * n + i]), vectors: V };
}
