// Thin SVD by Golub–Kahan–Reinsch: Householder bidiagonalisation, then implicit
// shifted QR on the bidiagonal (the LINPACK dsvdc / JAMA algorithm). Hand-written
// on flat Float64Arrays because ml-matrix's port of the same algorithm works on
// nested arrays and walks columns; here every matrix the inner loops touch is
// kept transposed (A, U and V by columns), so each inner loop runs over
// contiguous memory. Measured in bench/linalg.ts.
import { type Mat, EPS, zeros, transpose } from './matrix.ts';

export interface Svd {
  /** Singular values, descending, length p = min(m, n). */
  s: Float64Array;
  /** m×p, orthonormal columns. */
  U: Mat;
  /** n×p, orthonormal columns. */
  V: Mat;
}

interface SvdT {
  s: Float64Array;
  /** Uᵀ (p×m) and Vᵀ (p×n) row-major, i.e. singular vectors as rows. */
  Ut: Float64Array | null;
  Vt: Float64Array | null;
}

/**
 * An off-diagonal entry below this times its neighbours on the diagonal counts as zero. LINPACK
 * uses eps; LAPACK's dbdsqr uses max(10, min(100, eps^(−1/8)))·eps ≈ 90·eps, which changes the
 * singular values by about 1e-14 relatively here but saves a quarter of the QR sweeps, and the
 * sweeps (rotations applied to U and V) are most of the cost.
 */
/** Norms below this are rescaled by UNDERFLOW_RESCALE before a reflector is formed from them. */
const TINY_NORM = 2 ** -500;
const UNDERFLOW_RESCALE = 2 ** 600;

const DEFLATE_TOL = Math.max(10, Math.min(100, EPS ** -0.125)) * EPS;

function hyp(a: number, b: number): number {
  // Plain √(a²+b²) whenever the squares can neither overflow nor lose digits to underflow.
  const q = a * a + b * b;
  if (q > 1e-290 && q < 1e290) return Math.sqrt(q);
  const x = Math.abs(a), y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

function colNorm(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] * a[i];
  if (s > 1e-280 && s < 1e280) return Math.sqrt(s);
  let r = 0;
  for (let i = from; i < to; i++) r = hyp(r, a[i]);
  return r;
}

/** Σ a[oa+i]·b[ob+i] for i < len, unrolled by four (V8 does not vectorise; this trims loop overhead). */
function dot(a: Float64Array, oa: number, b: Float64Array, ob: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += a[oa + i] * b[ob + i];
    s1 += a[oa + i + 1] * b[ob + i + 1];
    s2 += a[oa + i + 2] * b[ob + i + 2];
    s3 += a[oa + i + 3] * b[ob + i + 3];
  }
  for (; i < len; i++) s0 += a[oa + i] * b[ob + i];
  return s0 + s1 + s2 + s3;
}

/** b[ob+i] += t·a[oa+i] for i < len, unrolled by four. */
function axpy(t: number, a: Float64Array, oa: number, b: Float64Array, ob: number, len: number): void {
  let i = 0;
  for (; i + 3 < len; i += 4) {
    b[ob + i] += t * a[oa + i];
    b[ob + i + 1] += t * a[oa + i + 1];
    b[ob + i + 2] += t * a[oa + i + 2];
    b[ob + i + 3] += t * a[oa + i + 3];
  }
  for (; i < len; i++) b[ob + i] += t * a[oa + i];
}

/** Rotates rows r1 and r2 of a row-major factor: (x, y) ← (c·x + s·y, c·y − s·x). */
function rot(q: Float64Array, len: number, r1: number, r2: number, cs: number, sn: number): void {
  const o1 = r1 * len, o2 = r2 * len;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const x0 = q[o1 + i], y0 = q[o2 + i], x1 = q[o1 + i + 1], y1 = q[o2 + i + 1];
    const x2 = q[o1 + i + 2], y2 = q[o2 + i + 2], x3 = q[o1 + i + 3], y3 = q[o2 + i + 3];
    q[o1 + i] = cs * x0 + sn * y0;
    q[o2 + i] = cs * y0 - sn * x0;
    q[o1 + i + 1] = cs * x1 + sn * y1;
    q[o2 + i + 1] = cs * y1 - sn * x1;
    q[o1 + i + 2] = cs * x2 + sn * y2;
    q[o2 + i + 2] = cs * y2 - sn * x2;
    q[o1 + i + 3] = cs * x3 + sn * y3;
    q[o2 + i + 3] = cs * y3 - sn * x3;
  }
  for (; i < len; i++) {
    const x = q[o1 + i], y = q[o2 + i];
    q[o1 + i] = cs * x + sn * y;
    q[o2 + i] = cs * y - sn * x;
  }
}

/**
 * Core for m ≥ n. `at` is Aᵀ (n×m, row j = column j of A) and is overwritten.
 * Returns Uᵀ as n×m and Vᵀ as n×n.
 */
function gkr(at: Float64Array, m: number, n: number, wantVectors: boolean): SvdT {
  const wantu = wantVectors, wantv = wantVectors;
  const nu = n;
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  const ut = wantu ? new Float64Array(nu * m) : null;
  const vt = wantv ? new Float64Array(n * n) : null;
  const a = at;

  const nct = Math.min(m - 1, n);
  const nrt = Math.max(0, Math.min(n - 2, m));
  // Right reflectors: row k holds the vector of step k in entries k+1 … n−1. The left ones
  // stay where the bidiagonalisation built them, in row k of `a` from entry k on.
  const hv = vt ? new Float64Array(n * n) : null;
  bidiagonalize(a, m, n, s, e, hv);

  let p = n;
  if (nct < n) s[nct] = a[nct * m + nct];
  if (m < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = a[(p - 1) * m + nrt];
  e[p - 1] = 0;

  if (ut) {
    const tau = new Float64Array(nct);
    for (let k = 0; k < nct; k++) tau[k] = s[k] !== 0 ? 1 / a[k * m + k] : 0;
    accumulateReflectors(ut, m, nu, a, m, 0, tau);
  }
  if (vt && hv) {
    const tau = new Float64Array(nrt);
    for (let k = 0; k < nrt; k++) tau[k] = e[k] !== 0 ? 1 / hv[k * n + k + 1] : 0;
    accumulateReflectors(vt, n, n, hv, n, 1, tau);
  }

  if (ut || vt) {
    // Perfect shifts: the values-only iteration is cheap (no vectors), and shifting each sweep
    // by an already known singular value deflates in about one sweep instead of ~1.6, which
    // cuts the rotations applied to U and V, the dominant cost.
    const known = implicitQr(s.slice(), e.slice(), p, null, null, m, n, null);
    implicitQr(s, e, p, ut, vt, m, n, known);
  } else implicitQr(s, e, p, null, null, m, n, null);
  return { s, Ut: ut, Vt: vt };
}

/**
 * Householder bidiagonalisation of A (m ≥ n, given by columns in `a`), LINPACK's reflector
 * conventions. Per step the trailing block is read twice instead of four times: one pass forms
 * work = A′e for the right reflector (A′ = A after the left reflector, written as A + u tᵀ so A
 * is only read), and one pass applies both reflectors at once (a rank-2 update) while it also
 * takes the dot products of the next step's column with every other column.
 */
function bidiagonalize(a: Float64Array, m: number, n: number, s: Float64Array, e: Float64Array, hv: Float64Array | null): void {
  const nct = Math.min(m - 1, n);
  const nrt = Math.max(0, Math.min(n - 2, m));
  const work = new Float64Array(m);
  const tv = new Float64Array(n), fv = new Float64Array(n), rdot = new Float64Array(n);
  let fused = false;
  for (let k = 0; k < nct; k++) {
    const ak = k * m;
    // Householder reflector that zeroes column k below the diagonal.
    let sk = colNorm(a, ak + k, ak + m);
    // rdot[j] = x·a_j for the raw column x; usable when dividing by the norm stays in range.
    const useFused = fused && sk > 1e-150 && sk < 1e150;
    if (sk !== 0) {
      // The reflector only needs the direction: a column near underflow is first scaled up by
      // a power of two (exact), so its norm and the normalised vector are accurate and the
      // reflector stays orthogonal (as LAPACK's dlarfg does).
      let nk = sk;
      if (sk < TINY_NORM) {
        for (let i = k; i < m; i++) a[ak + i] *= UNDERFLOW_RESCALE;
        nk = colNorm(a, ak + k, ak + m);
      }
      if (a[ak + k] < 0) {
        sk = -sk;
        nk = -nk;
      }
      const inv = 1 / nk;
      for (let i = k; i < m; i++) a[ak + i] *= inv;
      a[ak + k] += 1;
    }
    s[k] = -sk;
    const akk = a[ak + k];
    if (sk !== 0) {
      for (let j = k + 1; j < n; j++) {
        // u = x/sk + e₁, so u·a_j = (x·a_j)/sk + a_j[k].
        const r = useFused ? rdot[j] / sk + a[j * m + k] : NaN;
        tv[j] = -(Number.isFinite(r) ? r : dot(a, ak + k, a, j * m + k, m - k)) / akk;
        const v = a[j * m + k] + tv[j] * akk;
        a[j * m + k] = v;
        e[j] = v;
      }
    } else {
      for (let j = k + 1; j < n; j++) {
        tv[j] = 0;
        e[j] = a[j * m + k];
      }
    }
    const r0 = k + 1;
    let right = false;
    if (k < nrt) {
      // Reflector from the right that zeroes row k beyond the superdiagonal.
      let ek = colNorm(e, k + 1, n);
      if (ek !== 0) {
        let nk = ek;
        if (ek < TINY_NORM) {
          for (let i = k + 1; i < n; i++) e[i] *= UNDERFLOW_RESCALE;
          nk = colNorm(e, k + 1, n);
        }
        if (e[k + 1] < 0) {
          ek = -ek;
          nk = -nk;
        }
        const inv = 1 / nk;
        for (let i = k + 1; i < n; i++) e[i] *= inv;
        e[k + 1] += 1;
      }
      e[k] = -ek;
      if (hv) for (let i = k + 1; i < n; i++) hv[k * n + i] = e[i];
      if (ek !== 0) {
        right = true;
        // work = Σ_j e_j (a_j + t_j u) = A e + (Σ_j e_j t_j) u on rows r0 … m−1.
        let c = 0;
        for (let j = k + 1; j < n; j++) c += e[j] * tv[j];
        for (let i = r0; i < m; i++) work[i] = c * a[ak + i];
        let j = k + 1;
        for (; j + 7 < n; j += 8) {
          const o0 = j * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m, o4 = o3 + m, o5 = o4 + m, o6 = o5 + m, o7 = o6 + m;
          const e0 = e[j], e1 = e[j + 1], e2 = e[j + 2], e3 = e[j + 3], e4 = e[j + 4], e5 = e[j + 5], e6 = e[j + 6], e7 = e[j + 7];
          for (let i = r0; i < m; i++) {
            work[i] += e0 * a[o0 + i] + e1 * a[o1 + i] + e2 * a[o2 + i] + e3 * a[o3 + i] + e4 * a[o4 + i] + e5 * a[o5 + i] + e6 * a[o6 + i] + e7 * a[o7 + i];
          }
        }
        for (; j + 3 < n; j += 4) {
          const o0 = j * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
          const e0 = e[j], e1 = e[j + 1], e2 = e[j + 2], e3 = e[j + 3];
          for (let i = r0; i < m; i++) work[i] += e0 * a[o0 + i] + e1 * a[o1 + i] + e2 * a[o2 + i] + e3 * a[o3 + i];
        }
        for (; j < n; j++) axpy(e[j], a, j * m + r0, work, r0, m - r0);
        const ek1 = e[k + 1];
        for (let j2 = k + 1; j2 < n; j2++) fv[j2] = -e[j2] / ek1;
      }
    }
    if (!right) {
      for (let j = k + 1; j < n; j++) fv[j] = 0;
      work.fill(0, r0, m);
    }
    // a_j += t_j u + f_j work on rows r0 … m−1; column r0 first, since the next step's dot
    // products are taken against it.
    fused = false;
    if (r0 >= n) continue;
    {
      const o = r0 * m, t = tv[r0], f = fv[r0];
      for (let i = r0; i < m; i++) a[o + i] += t * a[ak + i] + f * work[i];
    }
    const x0 = r0 * m;
    if (r0 < nct) {
      fused = true;
      let j = r0 + 1;
      for (; j + 2 < n; j += 3) {
        const o0 = j * m, o1 = o0 + m, o2 = o1 + m;
        const t0 = tv[j], f0 = fv[j], t1 = tv[j + 1], f1 = fv[j + 1], t2 = tv[j + 2], f2 = fv[j + 2];
        let d0 = 0, d1 = 0, d2 = 0;
        for (let i = r0; i < m; i++) {
          const u = a[ak + i], w = work[i], x = a[x0 + i];
          const v0 = a[o0 + i] + t0 * u + f0 * w;
          const v1 = a[o1 + i] + t1 * u + f1 * w;
          const v2 = a[o2 + i] + t2 * u + f2 * w;
          a[o0 + i] = v0;
          a[o1 + i] = v1;
          a[o2 + i] = v2;
          d0 += x * v0;
          d1 += x * v1;
          d2 += x * v2;
        }
        rdot[j] = d0;
        rdot[j + 1] = d1;
        rdot[j + 2] = d2;
      }
      for (; j + 1 < n; j += 2) {
        const o0 = j * m, o1 = o0 + m;
        const t0 = tv[j], f0 = fv[j], t1 = tv[j + 1], f1 = fv[j + 1];
        let d0 = 0, d1 = 0;
        for (let i = r0; i < m; i++) {
          const u = a[ak + i], w = work[i], x = a[x0 + i];
          const v0 = a[o0 + i] + t0 * u + f0 * w;
          const v1 = a[o1 + i] + t1 * u + f1 * w;
          a[o0 + i] = v0;
          a[o1 + i] = v1;
          d0 += x * v0;
          d1 += x * v1;
        }
        rdot[j] = d0;
        rdot[j + 1] = d1;
      }
      for (; j < n; j++) {
        const o0 = j * m, t0 = tv[j], f0 = fv[j];
        let d0 = 0;
        for (let i = r0; i < m; i++) {
          const v0 = a[o0 + i] + t0 * a[ak + i] + f0 * work[i];
          a[o0 + i] = v0;
          d0 += a[x0 + i] * v0;
        }
        rdot[j] = d0;
      }
    } else {
      for (let j = r0 + 1; j < n; j++) {
        const o0 = j * m, t0 = tv[j], f0 = fv[j];
        for (let i = r0; i < m; i++) a[o0 + i] += t0 * a[ak + i] + f0 * work[i];
      }
    }
  }
}

/**
 * Applies LINPACK's reflector H = I − v vᵀ/v₀ (v = q[vo+start … vo+len), v₀ its first entry)
 * to rows from … to−1 of the row-major q on the entries start … len−1, four rows per pass
 * so v is loaded once for four dot products and four updates.
 */
function reflectRows(q: Float64Array, len: number, vo: number, start: number, from: number, to: number): void {
  const v0 = q[vo + start];
  let j = from;
  for (; j + 3 < to; j += 4) {
    const o0 = j * len, o1 = o0 + len, o2 = o1 + len, o3 = o2 + len;
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (let i = start; i < len; i++) {
      const v = q[vo + i];
      d0 += v * q[o0 + i];
      d1 += v * q[o1 + i];
      d2 += v * q[o2 + i];
      d3 += v * q[o3 + i];
    }
    const t0 = -d0 / v0, t1 = -d1 / v0, t2 = -d2 / v0, t3 = -d3 / v0;
    for (let i = start; i < len; i++) {
      const v = q[vo + i];
      q[o0 + i] += t0 * v;
      q[o1 + i] += t1 * v;
      q[o2 + i] += t2 * v;
      q[o3 + i] += t3 * v;
    }
  }
  for (; j < to; j++) axpy(-dot(q, vo + start, q, j * len + start, len - start) / v0, q, vo + start, q, j * len + start, len - start);
}

/**
 * Applies the rotations j = k … last−1 of one sweep, each to rows (j, j+1) of q in turn, three
 * at a time: rows j … j+3 are loaded once for three rotations instead of twice per rotation.
 */
function rotateChain(q: Float64Array, len: number, k: number, last: number, C: Float64Array, S: Float64Array): void {
  let j = k;
  for (; j + 5 < last; j += 6) {
    const c1 = C[j], s1 = S[j], c2 = C[j + 1], s2 = S[j + 1], c3 = C[j + 2], s3 = S[j + 2];
    const c4 = C[j + 3], s4 = S[j + 3], c5 = C[j + 4], s5 = S[j + 4], c6 = C[j + 5], s6 = S[j + 5];
    const o0 = j * len, o1 = o0 + len, o2 = o1 + len, o3 = o2 + len, o4 = o3 + len, o5 = o4 + len, o6 = o5 + len;
    for (let i = 0; i < len; i++) {
      const x0 = q[o0 + i], x1 = q[o1 + i];
      const y1 = c1 * x1 - s1 * x0;
      q[o0 + i] = c1 * x0 + s1 * x1;
      const x2 = q[o2 + i];
      const y2 = c2 * x2 - s2 * y1;
      q[o1 + i] = c2 * y1 + s2 * x2;
      const x3 = q[o3 + i];
      const y3 = c3 * x3 - s3 * y2;
      q[o2 + i] = c3 * y2 + s3 * x3;
      const x4 = q[o4 + i];
      const y4 = c4 * x4 - s4 * y3;
      q[o3 + i] = c4 * y3 + s4 * x4;
      const x5 = q[o5 + i];
      const y5 = c5 * x5 - s5 * y4;
      q[o4 + i] = c5 * y4 + s5 * x5;
      const x6 = q[o6 + i];
      q[o6 + i] = c6 * x6 - s6 * y5;
      q[o5 + i] = c6 * y5 + s6 * x6;
    }
  }
  for (; j + 2 < last; j += 3) {
    const c1 = C[j], s1 = S[j], c2 = C[j + 1], s2 = S[j + 1], c3 = C[j + 2], s3 = S[j + 2];
    const o0 = j * len, o1 = o0 + len, o2 = o1 + len, o3 = o2 + len;
    for (let i = 0; i < len; i++) {
      const x0 = q[o0 + i], x1 = q[o1 + i], x2 = q[o2 + i], x3 = q[o3 + i];
      const y1 = c1 * x1 - s1 * x0;
      q[o0 + i] = c1 * x0 + s1 * x1;
      const y2 = c2 * x2 - s2 * y1;
      q[o1 + i] = c2 * y1 + s2 * x2;
      q[o3 + i] = c3 * x3 - s3 * y2;
      q[o2 + i] = c3 * y2 + s3 * x3;
    }
  }
  for (; j < last; j++) rot(q, len, j, j + 1, C[j], S[j]);
}

/**
 * Forms the first `nq` columns of H₀H₁⋯H_{c−1}, stored as the rows of q (each `len` long), where
 * H_r = I − τ_r v_r v_rᵀ and v_r is src[r·ld + r + δ …] (zero before entry r + δ); c = τ.length.
 * Blocks of four reflectors are applied at once as I − V T Vᵀ (compact WY), from the last block
 * back, each only to the columns it can change; per row that is one pass for the four dot
 * products and one for the update, with V packed so its four entries sit side by side.
 */
function accumulateReflectors(q: Float64Array, len: number, nq: number, src: Float64Array, ld: number, delta: number, tau: Float64Array): void {
  q.fill(0);
  for (let j = 0; j < nq; j++) q[j * len + j] = 1;
  const vp = new Float64Array(4 * len);
  const G = new Float64Array(16), T = new Float64Array(16);
  for (let k1 = tau.length; k1 > 0; k1 -= 4) {
    const k0 = Math.max(0, k1 - 4);
    const s0 = k0 + delta, L = len - s0;
    if (L <= 0) continue;
    vp.fill(0, 0, 4 * L);
    const t4 = [0, 0, 0, 0];
    for (let r = 0; r < k1 - k0; r++) {
      const tr = tau[k0 + r];
      if (tr === 0) continue;
      t4[r] = tr;
      const o = (k0 + r) * ld + s0;
      for (let i = r; i < L; i++) vp[i * 4 + r] = src[o + i];
    }
    // T (upper triangular) for H_{k0}⋯H_{k0+3} = I − V T Vᵀ: T_ii = τ_i, T[0:i, i] = −τ_i T[0:i, 0:i] Vᵀ v_i.
    G.fill(0);
    for (let i = 0; i < L; i++) {
      const o = i * 4;
      for (let r = 0; r < 4; r++) for (let c2 = r + 1; c2 < 4; c2++) G[r * 4 + c2] += vp[o + r] * vp[o + c2];
    }
    T.fill(0);
    for (let c2 = 0; c2 < 4; c2++) {
      T[c2 * 4 + c2] = t4[c2];
      for (let r = 0; r < c2; r++) {
        let t = 0;
        for (let l = r; l < c2; l++) t += T[r * 4 + l] * G[l * 4 + c2];
        T[r * 4 + c2] = -t4[c2] * t;
      }
    }
    const T00 = T[0], T01 = T[1], T02 = T[2], T03 = T[3], T11 = T[5], T12 = T[6], T13 = T[7], T22 = T[10], T23 = T[11], T33 = T[15];
    // Columns before s0 are still e_j there and have zeros in the rows the block touches.
    let j = s0;
    for (; j + 1 < nq; j += 2) {
      const o = j * len + s0, p2 = o + len;
      let w0 = 0, w1 = 0, w2 = 0, w3 = 0, z0 = 0, z1 = 0, z2 = 0, z3 = 0;
      for (let i = 0, t = 0; i < L; i++, t += 4) {
        const x = q[o + i], x2 = q[p2 + i];
        const v0 = vp[t], v1 = vp[t + 1], v2 = vp[t + 2], v3 = vp[t + 3];
        w0 += v0 * x; w1 += v1 * x; w2 += v2 * x; w3 += v3 * x;
        z0 += v0 * x2; z1 += v1 * x2; z2 += v2 * x2; z3 += v3 * x2;
      }
      const y0 = T00 * w0 + T01 * w1 + T02 * w2 + T03 * w3;
      const y1 = T11 * w1 + T12 * w2 + T13 * w3;
      const y2 = T22 * w2 + T23 * w3;
      const y3 = T33 * w3;
      const u0 = T00 * z0 + T01 * z1 + T02 * z2 + T03 * z3;
      const u1 = T11 * z1 + T12 * z2 + T13 * z3;
      const u2 = T22 * z2 + T23 * z3;
      const u3 = T33 * z3;
      for (let i = 0, t = 0; i < L; i++, t += 4) {
        const v0 = vp[t], v1 = vp[t + 1], v2 = vp[t + 2], v3 = vp[t + 3];
        q[o + i] -= v0 * y0 + v1 * y1 + v2 * y2 + v3 * y3;
        q[p2 + i] -= v0 * u0 + v1 * u1 + v2 * u2 + v3 * u3;
      }
    }
    for (; j < nq; j++) {
      const o = j * len + s0;
      let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
      for (let i = 0, t = 0; i < L; i++, t += 4) {
        const x = q[o + i];
        w0 += vp[t] * x;
        w1 += vp[t + 1] * x;
        w2 += vp[t + 2] * x;
        w3 += vp[t + 3] * x;
      }
      const y0 = T00 * w0 + T01 * w1 + T02 * w2 + T03 * w3;
      const y1 = T11 * w1 + T12 * w2 + T13 * w3;
      const y2 = T22 * w2 + T23 * w3;
      const y3 = T33 * w3;
      for (let i = 0, t = 0; i < L; i++, t += 4) q[o + i] -= vp[t] * y0 + vp[t + 1] * y1 + vp[t + 2] * y2 + vp[t + 3] * y3;
    }
  }
}

/**
 * Implicit shifted QR on the bidiagonal (s, e), rotating the rows of Uᵀ and Vᵀ along when given.
 * `known`: singular values from a previous values-only run, used as shifts.
 */
function implicitQr(s: Float64Array, e: Float64Array, p: number, ut: Float64Array | null, vt: Float64Array | null, m: number, n: number, known: Float64Array | null): Float64Array {
  const pp = p - 1;
  const tiny = 2 ** -966;
  let guard = 0;
  const maxSweeps = 75 * Math.max(n, 1) + 100;
  const used = known ? new Uint8Array(known.length) : null;
  // A known value is only trusted as a shift for the first two sweeps after a deflation, and
  // only above the noise level: singular values below max(m,n)·eps·σ₁ are rounding noise and
  // need not agree between two runs, and a wrong shift would stall the iteration.
  const noise = known && known.length ? known[0] * Math.max(m, n) * EPS : 0;
  let sinceDeflation = 0;
  // One sweep's rotations, applied to the factors after the sweep (see rotateChain).
  const cv = new Float64Array(n), sv = new Float64Array(n), cu = new Float64Array(n), su = new Float64Array(n);
  while (p > 0) {
    if (++guard > maxSweeps) throw new Error('SVD did not converge');
    let k: number;
    let kase: number;
    for (k = p - 2; k >= -1; k--) {
      if (k === -1) break;
      if (Math.abs(e[k]) <= tiny + DEFLATE_TOL * (Math.abs(s[k]) + Math.abs(s[k + 1]))) {
        e[k] = 0;
        break;
      }
    }
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks >= k; ks--) {
        if (ks === k) break;
        const t = (ks !== p ? Math.abs(e[ks]) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]) : 0);
        if (Math.abs(s[ks]) <= tiny + EPS * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) kase = 3;
      else if (ks === p - 1) kase = 1;
      else {
        kase = 2;
        k = ks;
      }
    }
    k++;

    if (kase === 1) {
      // Deflate a negligible s[p-1].
      let f = e[p - 2];
      e[p - 2] = 0;
      for (let j = p - 2; j >= k; j--) {
        const t = hyp(s[j], f);
        const cs = s[j] / t, sn = f / t;
        s[j] = t;
        if (j !== k) {
          f = -sn * e[j - 1];
          e[j - 1] = cs * e[j - 1];
        }
        if (vt) rot(vt, n, j, p - 1, cs, sn);
      }
    } else if (kase === 2) {
      // Split at a negligible s[k-1].
      let f = e[k - 1];
      e[k - 1] = 0;
      for (let j = k; j < p; j++) {
        const t = hyp(s[j], f);
        const cs = s[j] / t, sn = f / t;
        s[j] = t;
        f = -sn * e[j];
        e[j] = cs * e[j];
        if (ut) rot(ut, m, j, k - 1, cs, sn);
      }
    } else if (kase === 3) {
      // One implicit QR step with the Wilkinson-style shift from the trailing 2×2.
      const scale = Math.max(Math.abs(s[p - 1]), Math.abs(s[p - 2]), Math.abs(e[p - 2]), Math.abs(s[k]), Math.abs(e[k]));
      const sp = s[p - 1] / scale, spm1 = s[p - 2] / scale, epm1 = e[p - 2] / scale;
      const sk = s[k] / scale, ek = e[k] / scale;
      const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
      const c = sp * epm1 * (sp * epm1);
      let shift = 0;
      if (b !== 0 || c !== 0) {
        shift = Math.sqrt(b * b + c);
        if (b < 0) shift = -shift;
        shift = c / (b + shift);
      }
      let f = (sk + sp) * (sk - sp) + shift;
      sinceDeflation++;
      if (known && used && sinceDeflation <= 2) {
        // The remaining singular value nearest to the Wilkinson estimate μ² = sp² − shift.
        const mu2 = sp * sp - shift;
        let best = -1, bd = Infinity;
        for (let i = 0; i < known.length; i++) {
          if (used[i]) continue;
          const kn = known[i] / scale;
          const d = Math.abs(kn * kn - mu2);
          if (d < bd) { bd = d; best = i; }
        }
        if (best >= 0 && known[best] > noise) {
          const sig = known[best] / scale;
          f = (sk + sig) * (sk - sig);
        }
      }
      let g = sk * ek;
      for (let j = k; j < p - 1; j++) {
        let t = hyp(f, g);
        let cs = f / t, sn = g / t;
        if (j !== k) e[j - 1] = t;
        f = cs * s[j] + sn * e[j];
        e[j] = cs * e[j] - sn * s[j];
        g = sn * s[j + 1];
        s[j + 1] = cs * s[j + 1];
        cv[j] = cs;
        sv[j] = sn;
        t = hyp(f, g);
        cs = f / t;
        sn = g / t;
        s[j] = t;
        f = cs * e[j] + sn * s[j + 1];
        s[j + 1] = -sn * e[j] + cs * s[j + 1];
        g = sn * e[j + 1];
        e[j + 1] = cs * e[j + 1];
        cu[j] = cs;
        su[j] = sn;
      }
      e[p - 2] = f;
      if (vt) rotateChain(vt, n, k, p - 1, cv, sv);
      if (ut) rotateChain(ut, m, k, p - 1, cu, su);
    } else {
      // Converged: make s[k] non-negative and bubble it into descending order.
      if (s[k] <= 0) {
        s[k] = s[k] < 0 ? -s[k] : 0;
        if (vt) for (let i = 0; i <= pp; i++) vt[k * n + i] = -vt[k * n + i];
      }
      while (k < pp) {
        if (s[k] >= s[k + 1]) break;
        const t = s[k];
        s[k] = s[k + 1];
        s[k + 1] = t;
        if (vt && k < n - 1) swapRows(vt, n, k, k + 1);
        if (ut && k < m - 1) swapRows(ut, m, k, k + 1);
        k++;
      }
      if (known && used) {
        // Retire the known value this one matched.
        const v = s[k];
        let best = -1, bd = Infinity;
        for (let i = 0; i < known.length; i++) {
          if (used[i]) continue;
          const d = Math.abs(known[i] - v);
          if (d < bd) { bd = d; best = i; }
        }
        if (best >= 0) used[best] = 1;
      }
      guard = 0;
      sinceDeflation = 0;
      p--;
    }
  }
  return s;
}

function swapRows(q: Float64Array, len: number, r1: number, r2: number): void {
  const o1 = r1 * len, o2 = r2 * len;
  for (let i = 0; i < len; i++) {
    const t = q[o1 + i];
    q[o1 + i] = q[o2 + i];
    q[o2 + i] = t;
  }
}

function checkFinite(A: Mat): void {
  for (let i = 0; i < A.data.length; i++)
    if (!Number.isFinite(A.data[i])) throw new Error('matrix has a non-finite entry');
}

/** Thin SVD with the singular vectors stored as rows: Uᵀ (p×m), Vᵀ (p×n). */
export function svdRows(A: Mat): { s: Float64Array; Ut: Mat; Vt: Mat } {
  checkFinite(A);
  const { rows: m, cols: n } = A;
  if (m === 0 || n === 0) return { s: new Float64Array(0), Ut: zeros(0, m), Vt: zeros(0, n) };
  if (m >= n) {
    // Aᵀ row-major is A by columns: exactly the layout gkr wants.
    const r = gkr(transpose(A).data, m, n, true);
    return { s: r.s, Ut: { rows: n, cols: m, data: r.Ut! }, Vt: { rows: n, cols: n, data: r.Vt! } };
  }
  // Wide: factor Aᵀ = V Σ Uᵀ, whose column layout is A's own row-major data.
  const r = gkr(new Float64Array(A.data), n, m, true);
  return { s: r.s, Ut: { rows: m, cols: m, data: r.Vt! }, Vt: { rows: m, cols: n, data: r.Ut! } };
}

/** Thin SVD A = U diag(s) Vᵀ, s descending. */
export function svd(A: Mat): Svd {
  const { s, Ut, Vt } = svdRows(A);
  return { s, U: transpose(Ut), V: transpose(Vt) };
}

/** Singular values only (no vectors are accumulated, which is several times cheaper). */
export function singularValues(A: Mat): Float64Array {
  checkFinite(A);
  const { rows: m, cols: n } = A;
  if (m === 0 || n === 0) return new Float64Array(0);
  if (m >= n) return gkr(transpose(A).data, m, n, false).s;
  return gkr(new Float64Array(A.data), n, m, false).s;
}

/** Numerical rank: σ > max(m,n)·eps·σ₁ (NumPy's matrix_rank default). */
export function numericalRank(s: ArrayLike<number>, m: number, n: number): number {
  if (!s.length || s[0] === 0) return 0;
  const cut = Math.max(m, n) * EPS * s[0];
  let r = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > cut) r++;
  return r;
}

/** Spectral norm σ₁. */
export function specNorm(A: Mat): number {
  const s = singularValues(A);
  return s.length ? s[0] : 0;
}
