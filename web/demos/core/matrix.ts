// Dense float64 matrices stored row-major in one Float64Array. Plain objects
// (not classes) so they pass through postMessage to a Web Worker unchanged.

export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export const EPS = 2 ** -52;

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function eye(n: number): Mat {
  const I = zeros(n, n);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}

/** Builds a matrix from nested rows; throws on ragged or non-finite input. */
export function fromRows(rows: readonly (readonly number[])[]): Mat {
  const m = rows.length;
  const n = m ? rows[0].length : 0;
  const A = zeros(m, n);
  for (let i = 0; i < m; i++) {
    const row = rows[i];
    if (!Array.isArray(row) || row.length !== n) throw new Error(`row ${i} has ${row?.length} entries, expected ${n}`);
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`entry (${i},${j}) is not a finite number`);
      A.data[i * n + j] = v;
    }
  }
  return A;
}

export function toRows(A: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < A.rows; i++) out.push(Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
  return out;
}

export function clone(A: Mat): Mat {
  return { rows: A.rows, cols: A.cols, data: new Float64Array(A.data) };
}

export function get(A: Mat, i: number, j: number): number {
  return A.data[i * A.cols + j];
}

export function transpose(A: Mat): Mat {
  const { rows: m, cols: n, data: a } = A;
  const T = zeros(n, m);
  const t = T.data;
  // Blocked so both the reads and the writes stay in cache for large matrices.
  const B = 32;
  for (let i0 = 0; i0 < m; i0 += B) {
    const i1 = Math.min(m, i0 + B);
    for (let j0 = 0; j0 < n; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) t[j * m + i] = a[i * n + j];
    }
  }
  return T;
}

/**
 * C = A·B. Register-blocked: each pass of the inner loop keeps a 3×4 block of C in local
 * variables (12 accumulators) and reads a packed 4-wide panel of B plus three rows of A, so one
 * load of B serves three multiply-adds instead of one; the k range is split into blocks of 256
 * so the packed panel stays in L1. About 3× the plain i-k-j loop at n = 200–500.
 */
export function matmul(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) throw new Error(`matmul: ${A.rows}x${A.cols} times ${B.rows}x${B.cols}`);
  const m = A.rows, l = A.cols, n = B.cols;
  const C = zeros(m, n);
  const a = A.data, b = B.data, c = C.data;
  const nb = n >> 2;
  const KB = 256;
  const bp = new Float64Array(KB * 4);
  for (let k0 = 0; k0 < l; k0 += KB) {
    const k1 = Math.min(l, k0 + KB), kl = k1 - k0;
    for (let jb = 0; jb < nb; jb++) {
      const j = jb * 4;
      for (let k = k0, t = 0; k < k1; k++, t += 4) {
        const o = k * n + j;
        bp[t] = b[o];
        bp[t + 1] = b[o + 1];
        bp[t + 2] = b[o + 2];
        bp[t + 3] = b[o + 3];
      }
      let i = 0;
      for (; i + 2 < m; i += 3) {
        const a0 = i * l + k0, a1 = a0 + l, a2 = a1 + l;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        for (let k = 0, t = 0; k < kl; k++, t += 4) {
          const b0 = bp[t], b1 = bp[t + 1], b2 = bp[t + 2], b3 = bp[t + 3];
          const x0 = a[a0 + k];
          c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
          const x1 = a[a1 + k];
          c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
          const x2 = a[a2 + k];
          c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
        }
        const o0 = i * n + j, o1 = o0 + n, o2 = o1 + n;
        c[o0] += c00; c[o0 + 1] += c01; c[o0 + 2] += c02; c[o0 + 3] += c03;
        c[o1] += c10; c[o1 + 1] += c11; c[o1 + 2] += c12; c[o1 + 3] += c13;
        c[o2] += c20; c[o2 + 1] += c21; c[o2 + 2] += c22; c[o2 + 3] += c23;
      }
      for (; i < m; i++) {
        const a0 = i * l + k0;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        for (let k = 0, t = 0; k < kl; k++, t += 4) {
          const x0 = a[a0 + k];
          c00 += x0 * bp[t]; c01 += x0 * bp[t + 1]; c02 += x0 * bp[t + 2]; c03 += x0 * bp[t + 3];
        }
        const o0 = i * n + j;
        c[o0] += c00; c[o0 + 1] += c01; c[o0 + 2] += c02; c[o0 + 3] += c03;
      }
    }
    // The last n mod 4 columns: dot products of rows of A with strided columns of B.
    for (let j = nb * 4; j < n; j++) {
      for (let i = 0; i < m; i++) {
        const ai = i * l;
        let t = 0;
        for (let k = k0; k < k1; k++) t += a[ai + k] * b[k * n + j];
        c[i * n + j] += t;
      }
    }
  }
  return C;
}

/** A·Bᵀ, through the blocked product (the transpose costs O(size), the product O(n³)). */
export function matmulABt(A: Mat, B: Mat): Mat {
  if (A.cols !== B.cols) throw new Error(`matmulABt: ${A.rows}x${A.cols} times (${B.rows}x${B.cols})ᵀ`);
  return matmul(A, transpose(B));
}

/** Aᵀ·B, through the blocked product. */
export function matmulAtB(A: Mat, B: Mat): Mat {
  if (A.rows !== B.rows) throw new Error(`matmulAtB: (${A.rows}x${A.cols})ᵀ times ${B.rows}x${B.cols}`);
  return matmul(transpose(A), B);
}

export function add(A: Mat, B: Mat): Mat {
  sameShape(A, B, 'add');
  const C = zeros(A.rows, A.cols);
  for (let i = 0; i < C.data.length; i++) C.data[i] = A.data[i] + B.data[i];
  return C;
}

export function sub(A: Mat, B: Mat): Mat {
  sameShape(A, B, 'sub');
  const C = zeros(A.rows, A.cols);
  for (let i = 0; i < C.data.length; i++) C.data[i] = A.data[i] - B.data[i];
  return C;
}

export function scale(A: Mat, s: number): Mat {
  const C = zeros(A.rows, A.cols);
  for (let i = 0; i < C.data.length; i++) C.data[i] = A.data[i] * s;
  return C;
}

function sameShape(A: Mat, B: Mat, op: string): void {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error(`${op}: ${A.rows}x${A.cols} vs ${B.rows}x${B.cols}`);
}

/** Euclidean norm of a strided slice, scaled so huge or tiny entries neither overflow nor underflow. */
export function norm2(x: ArrayLike<number>, start = 0, end = x.length, stride = 1): number {
  let s = 0;
  for (let i = start; i < end; i += stride) s += x[i] * x[i];
  if (s > 1e-280 && s < 1e280) return Math.sqrt(s);
  let mx = 0;
  for (let i = start; i < end; i += stride) mx = Math.max(mx, Math.abs(x[i]));
  if (mx === 0 || !Number.isFinite(mx)) return mx;
  s = 0;
  for (let i = start; i < end; i += stride) {
    const v = x[i] / mx;
    s += v * v;
  }
  return mx * Math.sqrt(s);
}

export function froNorm(A: Mat): number {
  return norm2(A.data);
}

export function maxAbs(A: Mat): number {
  let m = 0;
  for (let i = 0; i < A.data.length; i++) m = Math.max(m, Math.abs(A.data[i]));
  return m;
}

export function colNorms(A: Mat): number[] {
  const out: number[] = [];
  for (let j = 0; j < A.cols; j++) out.push(norm2(A.data, j, A.data.length, A.cols));
  return out;
}

export function rowNorms(A: Mat): number[] {
  const out: number[] = [];
  for (let i = 0; i < A.rows; i++) out.push(norm2(A.data, i * A.cols, (i + 1) * A.cols));
  return out;
}

export function selectCols(A: Mat, idx: readonly number[]): Mat {
  const C = zeros(A.rows, idx.length);
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < idx.length; j++) C.data[i * idx.length + j] = A.data[i * A.cols + idx[j]];
  return C;
}

export function selectRows(A: Mat, idx: readonly number[]): Mat {
  const R = zeros(idx.length, A.cols);
  for (let i = 0; i < idx.length; i++) R.data.set(A.data.subarray(idx[i] * A.cols, (idx[i] + 1) * A.cols), i * A.cols);
  return R;
}

/** Columns [from, to) of A. */
export function sliceCols(A: Mat, from: number, to: number): Mat {
  const idx: number[] = [];
  for (let j = from; j < to; j++) idx.push(j);
  return selectCols(A, idx);
}

export function diagScaleCols(A: Mat, d: ArrayLike<number>): Mat {
  const C = clone(A);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) C.data[i * A.cols + j] *= d[j];
  return C;
}

export function isSquare(A: Mat): boolean {
  return A.rows === A.cols;
}

/** Indices of the r largest values; ties go to the smaller index; returned ascending. */
export function topIndices(values: readonly number[], r: number): number[] {
  const order = values.map((v, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, r).sort((a, b) => a - b);
}

/** First index of the maximum (ties go to the smaller index). */
export function argmax(values: ArrayLike<number>): number {
  let best = -1, bv = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > bv) { bv = values[i]; best = i; }
  return best;
}

/** Solves the square system A·x = b by Gaussian elimination with partial pivoting. */
export function solve(A: Mat, b: ArrayLike<number>): Float64Array {
  const n = A.rows;
  if (A.cols !== n || b.length !== n) throw new Error('solve needs a square matrix and a matching right-hand side');
  const a = new Float64Array(A.data);
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (a[p * n + k] === 0) throw new Error('singular system');
    if (p !== k) {
      for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
      [x[k], x[p]] = [x[p], x[k]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / a[k * n + k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
      x[i] -= f * x[k];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let t = x[i];
    for (let j = i + 1; j < n; j++) t -= a[i * n + j] * x[j];
    x[i] = t / a[i * n + i];
  }
  return x;
}
