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
 * C = A·B with the i-k-j loop order (the inner loop runs along rows of B and C), blocked
 * over k so the slab of B rows in use stays in cache while every row of A passes over it.
 */
export function matmul(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) throw new Error(`matmul: ${A.rows}x${A.cols} times ${B.rows}x${B.cols}`);
  const m = A.rows, l = A.cols, n = B.cols;
  const C = zeros(m, n);
  const a = A.data, b = B.data, c = C.data;
  const KB = Math.max(8, Math.min(l, Math.floor(32768 / Math.max(n, 1))));
  for (let k0 = 0; k0 < l; k0 += KB) {
    const k1 = Math.min(l, k0 + KB);
    for (let i = 0; i < m; i++) {
      const ci = i * n, ai = i * l;
      for (let k = k0; k < k1; k++) {
        const aik = a[ai + k];
        if (aik === 0) continue;
        const bk = k * n;
        let j = 0;
        for (; j + 3 < n; j += 4) {
          c[ci + j] += aik * b[bk + j];
          c[ci + j + 1] += aik * b[bk + j + 1];
          c[ci + j + 2] += aik * b[bk + j + 2];
          c[ci + j + 3] += aik * b[bk + j + 3];
        }
        for (; j < n; j++) c[ci + j] += aik * b[bk + j];
      }
    }
  }
  return C;
}

/** A·Bᵀ: both operands are read along rows (dot products of rows). */
export function matmulABt(A: Mat, B: Mat): Mat {
  if (A.cols !== B.cols) throw new Error(`matmulABt: ${A.rows}x${A.cols} times (${B.rows}x${B.cols})ᵀ`);
  const m = A.rows, l = A.cols, n = B.rows;
  const C = zeros(m, n);
  const a = A.data, b = B.data, c = C.data;
  for (let i = 0; i < m; i++) {
    const ai = i * l;
    for (let j = 0; j < n; j++) {
      const bj = j * l;
      let s = 0;
      for (let k = 0; k < l; k++) s += a[ai + k] * b[bj + k];
      c[i * n + j] = s;
    }
  }
  return C;
}

/** Aᵀ·B without forming Aᵀ. */
export function matmulAtB(A: Mat, B: Mat): Mat {
  if (A.rows !== B.rows) throw new Error(`matmulAtB: (${A.rows}x${A.cols})ᵀ times ${B.rows}x${B.cols}`);
  const m = A.cols, l = A.rows, n = B.cols;
  const C = zeros(m, n);
  const a = A.data, b = B.data, c = C.data;
  for (let k = 0; k < l; k++) {
    const ak = k * m, bk = k * n;
    for (let i = 0; i < m; i++) {
      const aki = a[ak + i];
      if (aki === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] += aki * b[bk + j];
    }
  }
  return C;
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
