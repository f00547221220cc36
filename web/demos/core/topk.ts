// Smooth Top-k maps, all applied to z = x/τ (the temperature is the input scale).
// Hand-written: no library offers these. Each follows ALGORITHMS.md §6 including its errata:
// the thre_smooth scan covers the bracket m = n, and uses the cancellation-free form for m > k.

import { TOPK_METHODS, type TopkMethod } from '../../../lib/demos.ts';

function lae(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

export function logSumExp(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  if (m === -Infinity || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

export function softmax(z: ArrayLike<number>): number[] {
  const l = logSumExp(z);
  return Array.from(z, (v) => Math.exp(v - l));
}

export function validateTopk(x: readonly number[], k: number, tau: number): void {
  if (!Array.isArray(x) || x.length < 1) throw new Error('x must be a non-empty list of numbers');
  if (x.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new Error('x must contain only finite numbers');
  if (!Number.isInteger(k) || k < 1 || k > x.length) throw new Error(`k must be an integer in 1..${x.length}`);
  if (!(tau > 0) || !Number.isFinite(tau)) throw new Error('the temperature τ must be a positive number');
}

export function scaled(x: readonly number[], tau: number): number[] {
  return x.map((v) => v / tau);
}

/** T_k(z): 1 on the k largest entries; null when the k-th and (k+1)-th largest tie. */
export function hardTopk(z: readonly number[], k: number): number[] | null {
  const order = z.map((_, i) => i).sort((a, b) => z[b] - z[a] || a - b);
  if (k < z.length && z[order[k - 1]] === z[order[k]]) return null;
  const p = new Array(z.length).fill(0);
  for (let i = 0; i < k; i++) p[order[i]] = 1;
  return p;
}

export interface IterResult {
  p: number[];
  /** False when plain float64 loses more than 1e-9 to the cancellation in 1 − p. */
  float64Stable: boolean;
  /** The literal float64 iteration, kept for the demo's comparison. */
  pNaive: number[];
}

/**
 * Runs k rounds of p += softmax(z; w) for the weights each method derives from p.
 * The careful pass tracks q = 1 − p on its own, starting from the complement of the
 * first softmax, so entries close to 1 keep their tiny complements.
 */
function iterate(z: readonly number[], k: number, weightsOf: (q: readonly number[]) => { logits: number[] }): { p: number[]; q: number[] } {
  const n = z.length;
  const p = new Array(n).fill(0);
  let q = new Array(n).fill(1);
  for (let round = 0; round < k; round++) {
    const { logits } = weightsOf(q);
    const s = softmax(logits);
    if (round === 0) {
      // 1 − s_i = Σ_{j≠i} e^{l_j} / Σ_j e^{l_j}, without subtracting from 1.
      const lse = logSumExp(logits);
      q = logits.map((_, i) => Math.exp(logSumExp(logits.filter((__, j) => j !== i)) - lse));
    } else q = q.map((qi, i) => qi - s[i]);
    for (let i = 0; i < n; i++) p[i] += s[i];
  }
  return { p, q };
}

function stable(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-9);
}

/** Su's soft-k-max: z ← z − min z; k times y = (1−p)⊙z, p += softmax(y). */
export function iterSu(z: readonly number[], k: number): IterResult {
  const mn = Math.min(...z);
  const zs = z.map((v) => v - mn);
  const naive = new Array(z.length).fill(0);
  for (let round = 0; round < k; round++) {
    const s = softmax(zs.map((v, i) => (1 - naive[i]) * v));
    for (let i = 0; i < z.length; i++) naive[i] += s[i];
  }
  const careful = iterate(zs, k, (q) => ({ logits: zs.map((v, i) => q[i] * v) })).p;
  return { p: careful, pNaive: naive, float64Stable: stable(naive, careful) };
}

/** StackExchange version: k times p += softmax(z; 1−p), softmax(z;w)_i = w_i e^{z_i}/Σ w_j e^{z_j}. */
export function iterWeighted(z: readonly number[], k: number): IterResult {
  const n = z.length;
  const weighted = (w: readonly number[]) => {
    const m = Math.max(...z);
    const t = z.map((v, i) => w[i] * Math.exp(v - m));
    const sum = t.reduce((a, b) => a + b, 0);
    return t.map((v) => v / sum);
  };
  const naive = new Array(n).fill(0);
  for (let round = 0; round < k; round++) {
    const s = weighted(naive.map((v) => 1 - v));
    for (let i = 0; i < n; i++) naive[i] += s[i];
  }
  // Careful pass: weights q_i = 1 − p_i tracked directly (they may turn negative as p exceeds 1).
  const p = new Array(n).fill(0);
  let q = new Array(n).fill(1);
  for (let round = 0; round < k; round++) {
    if (round === 0) {
      const lse = logSumExp(z);
      const s = softmax(z);
      q = z.map((_, i) => Math.exp(logSumExp(z.filter((__, j) => j !== i)) - lse));
      for (let i = 0; i < n; i++) p[i] += s[i];
    } else {
      const s = weighted(q);
      for (let i = 0; i < n; i++) {
        p[i] += s[i];
        q[i] -= s[i];
      }
    }
  }
  return { p, pNaive: naive, float64Stable: stable(naive, p) };
}

export interface GradResult {
  p: number[];
  logZk: number;
  /** The post's subtraction recursion, which breaks down (log 0) for large spreads. */
  pBlogRecursion: number[];
  blogRecursionAgrees: boolean;
}

/**
 * GradTopK: p_i = w_i e_{k−1}(w without i) / e_k(w), w = e^z, with the elementary
 * symmetric polynomials built by prefix and suffix DPs in log space (no subtraction, O(nk)).
 */
export function gradTopk(z: readonly number[], k: number): GradResult {
  const n = z.length;
  const pre: number[][] = [new Array(k + 1).fill(-Infinity)];
  pre[0][0] = 0;
  for (let i = 0; i < n; i++) {
    const prev = pre[i], next = prev.slice();
    for (let j = 1; j <= k; j++) next[j] = lae(prev[j], z[i] + prev[j - 1]);
    pre.push(next);
  }
  const suf: number[][] = new Array(n + 1);
  suf[n] = new Array(k + 1).fill(-Infinity);
  suf[n][0] = 0;
  for (let i = n - 1; i >= 0; i--) {
    const prev = suf[i + 1], next = prev.slice();
    for (let j = 1; j <= k; j++) next[j] = lae(prev[j], z[i] + prev[j - 1]);
    suf[i] = next;
  }
  const logZk = pre[n][k];
  const p = z.map((zi, i) => {
    let l = -Infinity;
    for (let a = 0; a <= k - 1; a++) l = lae(l, pre[i][a] + suf[i + 1][k - 1 - a]);
    // Exactly in (0,1); rounding in the logs can overshoot 1 by ~1e-14.
    return Math.min(1, Math.exp(zi + l - logZk));
  });
  const blog = gradTopkBlogRecursion(z, k);
  const agrees = blog.every((v, i) => Number.isFinite(v) && Math.abs(v - p[i]) <= 1e-6);
  return { p, logZk, pBlogRecursion: blog, blogRecursionAgrees: agrees };
}

/** The post's own code, transcribed: log Z_{k,i} = x_i + log Z_{k−1} + log(1 − e^{log Z_{k−1,i} − log Z_{k−1}}). */
export function gradTopkBlogRecursion(z: readonly number[], k: number): number[] {
  let logZs = z.slice();
  let logZ = 0;
  for (let i = 1; i <= k; i++) {
    if (i > 1) logZs = z.map((x, j) => x + logZ + Math.log(1 - Math.exp(logZs[j] - logZ)));
    logZ = logSumExp(logZs) - Math.log(i);
  }
  return logZs.map((l) => Math.exp(l - logZ));
}

export interface ThreResult {
  p: number[];
  lambda: number;
  /** #{i : z_i ≥ λ}. */
  saturatedCount: number;
  /** Σ_i f'(z_i − λ) ≥ 1e-6; otherwise λ is numerically flat and only p is meaningful. */
  wellConditioned: boolean;
  /** ∂λ/∂z_j = f'(z_j − λ) / Σ_i f'(z_i − λ). */
  dlambda: number[];
}

interface Link {
  f: (t: number) => number;
  df: (t: number) => number;
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

export const LINKS: Record<'thre_exp' | 'thre_sigmoid' | 'thre_smooth', Link> = {
  thre_exp: { f: (t) => (t >= 0 ? 1 : Math.exp(t)), df: (t) => (t < 0 ? Math.exp(t) : 0) },
  thre_sigmoid: { f: sigmoid, df: (t) => sigmoid(t) * sigmoid(-t) },
  thre_smooth: { f: (t) => (t >= 0 ? 1 - Math.exp(-t) / 2 : Math.exp(t) / 2), df: (t) => Math.exp(-Math.abs(t)) / 2 },
};

/**
 * `bracket` is the closed form's m (entries above λ) when there is one; it can differ from
 * #{z_i ≥ λ} when λ rounds onto an entry. `alwaysWellConditioned` is for min(1, eᵗ), where the
 * unsaturated f' sum to k − m ≥ 1 analytically even if rounding puts an entry exactly at λ.
 */
function finishThre(z: readonly number[], lambda: number, link: Link, bracket?: number, alwaysWellConditioned = false): ThreResult {
  const p = z.map((v) => link.f(v - lambda));
  const d = z.map((v) => link.df(v - lambda));
  const sd = d.reduce((a, b) => a + b, 0);
  return {
    p,
    lambda,
    saturatedCount: bracket ?? z.filter((v) => v >= lambda).length,
    wellConditioned: alwaysWellConditioned || sd >= 1e-6,
    dlambda: d.map((v) => (sd > 0 ? v / sd : 0)),
  };
}

/** Picks the first bracket m whose closed-form λ lies in [xs_m, xs_{m−1}]; the least violated one if rounding rejects all. */
function pickBracket(xs: readonly number[], candidates: { m: number; lambda: number }[]): { m: number; lambda: number } {
  let best = { m: 0, lambda: NaN }, bestViolation = Infinity;
  for (const c of candidates) {
    const { m, lambda } = c;
    if (Number.isNaN(lambda)) continue;
    const upper = m === 0 ? Infinity : xs[m - 1];
    const lower = m === xs.length ? -Infinity : xs[m];
    const violation = Math.max(0, lambda - upper, lower - lambda);
    if (violation === 0) return c;
    if (violation < bestViolation) { bestViolation = violation; best = c; }
  }
  return best;
}

function sortedDesc(z: readonly number[]): number[] {
  return z.slice().sort((a, b) => b - a);
}

/** Log-sum-exp of xs[m..] for every m (index n gives −∞). */
function suffixLse(xs: readonly number[]): number[] {
  const out = new Array(xs.length + 1).fill(-Infinity);
  for (let i = xs.length - 1; i >= 0; i--) out[i] = lae(out[i + 1], xs[i]);
  return out;
}

/** f = min(1, eᵗ): λ = log Σ_{i>m} e^{x_i} − log(k − m), scanning m = 0..k−1. */
export function threExp(z: readonly number[], k: number): ThreResult {
  const xs = sortedDesc(z);
  if (k >= z.length) return finishThre(z, -Infinity, LINKS.thre_exp);
  const lse = suffixLse(xs);
  const cands = [];
  for (let m = 0; m < k; m++) cands.push({ m, lambda: lse[m] - Math.log(k - m) });
  const { m, lambda } = pickBracket(xs, cands);
  return finishThre(z, lambda, LINKS.thre_exp, m, true);
}

/** f = σ: no closed form, so bisect until the interval stops shrinking (Σp = k to ~1e-12). */
export function threSigmoid(z: readonly number[], k: number): ThreResult {
  const n = z.length;
  if (k >= n) return finishThre(z, -Infinity, LINKS.thre_sigmoid);
  const logit = Math.log(k / n) - Math.log1p(-k / n);
  let lo = Math.min(...z) - logit, hi = Math.max(...z) - logit;
  const F = (lam: number) => z.reduce((a, v) => a + sigmoid(v - lam), 0);
  for (let it = 0; it < 2000; it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (F(mid) > k) lo = mid;
    else hi = mid;
  }
  return finishThre(z, lo + (hi - lo) / 2, LINKS.thre_sigmoid);
}

/** log(√(b² + e^L) + b) for b > 0 without forming e^L. */
function logRootPlus(b: number, L: number): number {
  const lb = Math.log(b);
  if (L / 2 > lb) {
    const r = Math.exp(lb - L / 2);
    return L / 2 + Math.log(Math.sqrt(1 + r * r) + r);
  }
  const r = Math.exp(L / 2 - lb);
  return lb + Math.log(Math.sqrt(1 + r * r) + 1);
}

/**
 * Globally smooth f: closed form per bracket m (m entries above λ), including m = n,
 * the bracket the post's code misses (λ below every entry, possible when k > n/2).
 */
export function threSmooth(z: readonly number[], k: number): ThreResult {
  const xs = sortedDesc(z);
  const n = xs.length;
  if (k >= n) return finishThre(z, -Infinity, LINKS.thre_smooth);
  const lse1 = suffixLse(xs);
  // lse2[m] = log Σ_{i<m} e^{−xs_i}.
  const lse2 = new Array(n + 1).fill(-Infinity);
  for (let m = 1; m <= n; m++) lse2[m] = lae(lse2[m - 1], -xs[m - 1]);
  const cands = [];
  for (let m = 0; m < n; m++) {
    const a = k - m;
    const logAB = lse1[m] + lse2[m];
    // For a < 0, √(a²+AB) + a cancels; use AB/(√(a²+AB) − a) instead. Everything stays in
    // logs because AB itself can under- or overflow for far-apart entries.
    let lambda: number;
    if (a > 0) lambda = lse1[m] - logRootPlus(a, logAB);
    else if (a === 0) lambda = lse1[m] - logAB / 2;
    else lambda = -lse2[m] + logRootPlus(-a, logAB);
    cands.push({ m, lambda });
  }
  cands.push({ m: n, lambda: Math.log(2 * (n - k)) - lse2[n] });
  const { m, lambda } = pickBracket(xs, cands);
  return finishThre(z, lambda, LINKS.thre_smooth, m);
}

export type TopkOutput = Record<TopkMethod, number[]>;

/** Every method's p for one input (used by the demo's temperature sweep). */
export function allTopk(x: readonly number[], k: number, tau: number): TopkOutput {
  validateTopk(x, k, tau);
  const z = scaled(x, tau);
  return {
    iter_su: iterSu(z, k).p,
    iter_weighted: iterWeighted(z, k).p,
    grad: gradTopk(z, k).p,
    thre_exp: threExp(z, k).p,
    thre_sigmoid: threSigmoid(z, k).p,
    thre_smooth: threSmooth(z, k).p,
  };
}
