// Softmax scale rules and the entropy they give (entropy-invariant attention).
import { type Mat, zeros, matmul, matmulABt } from './matrix.ts';

export type ScaleRule =
  | 'standard_1_over_sqrt_d'
  | 'entropy_invariant_kappa'
  | 'log512_over_sqrt_d'
  | 'entropy_invariant'
  | 'entropy_invariant_kappa_sqrtd_over_log512'
  | 'entropy_invariant_kappa_1_over_0.24';

/** λ for n attended keys and head size d under each rule (κ only used by `entropy_invariant_kappa`). */
export function scaleFor(rule: ScaleRule, n: number, d: number, kappa = 1): number {
  switch (rule) {
    case 'standard_1_over_sqrt_d':
      return 1 / Math.sqrt(d);
    case 'entropy_invariant_kappa':
      return (kappa * Math.log(n)) / d;
    case 'log512_over_sqrt_d':
      return Math.log(n) / Math.log(512) / Math.sqrt(d);
    case 'entropy_invariant':
    case 'entropy_invariant_kappa_sqrtd_over_log512':
      // κ = √d / log 512, calibrated so n = 512 gives 1/√d.
      return ((Math.sqrt(d) / Math.log(512)) * Math.log(n)) / d;
    case 'entropy_invariant_kappa_1_over_0.24':
      return Math.log(n) / (0.24 * d);
  }
}

export const SCALE_RULES: readonly ScaleRule[] = [
  'standard_1_over_sqrt_d',
  'entropy_invariant_kappa',
  'log512_over_sqrt_d',
  'entropy_invariant',
  'entropy_invariant_kappa_sqrtd_over_log512',
  'entropy_invariant_kappa_1_over_0.24',
];

export function isScaleRule(name: string): name is ScaleRule {
  return (SCALE_RULES as readonly string[]).includes(name);
}

export interface ScoreSoftmax {
  lambda: number;
  p: number[];
  entropy: number;
  /** log n − λ(max s − mean s), the post's mean-field estimate. */
  meanFieldEntropy: number;
}

function softmaxRow(v: ArrayLike<number>, lambda: number): { p: number[]; entropy: number } {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, lambda * v[i]);
  let sum = 0;
  const e: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const t = Math.exp(lambda * v[i] - m);
    e.push(t);
    sum += t;
  }
  const p = e.map((t) => t / sum);
  // H = log Σe^{λs} − λ E_p[s], the exact identity: no log 0 for underflowed p.
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += p[i] * lambda * v[i];
  return { p, entropy: m + Math.log(sum) - mean };
}

/** `n` is the number of keys the scale rule assumes; it defaults to the number of scores. */
export function scoreSoftmax(s: readonly number[], lambda: number, n = s.length): ScoreSoftmax {
  const { p, entropy } = softmaxRow(s, lambda);
  const mx = Math.max(...s), mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { lambda, p, entropy, meanFieldEntropy: Math.log(n) - lambda * (mx - mean) };
}

export interface AttentionResult {
  lambda: number;
  weights: Mat;
  output: Mat | null;
  rowEntropies: number[];
}

/** softmax(λ QKᵀ)·V row by row; V may be omitted when only the weights matter. */
export function attention(Q: Mat, K: Mat, V: Mat | null, lambda: number): AttentionResult {
  if (Q.cols !== K.cols) throw new Error('Q and K need the same head size');
  if (V && V.rows !== K.rows) throw new Error('V needs one row per key');
  const S = matmulABt(Q, K);
  const W = zeros(Q.rows, K.rows);
  const rowEntropies: number[] = [];
  for (let i = 0; i < Q.rows; i++) {
    const { p, entropy } = softmaxRow(S.data.subarray(i * K.rows, (i + 1) * K.rows), lambda);
    W.data.set(p, i * K.rows);
    rowEntropies.push(entropy);
  }
  return { lambda, weights: W, output: V ? matmul(W, V) : null, rowEntropies };
}

/** Mean row entropy of softmax(λ Q K[:n]ᵀ) for each prefix length n. */
export function entropyByPrefix(Q: Mat, K: Mat, prefixes: readonly number[], lambdaOf: (n: number) => number): { n: number; lambda: number; meanEntropy: number }[] {
  return prefixes.map((n) => {
    if (!Number.isInteger(n) || n < 1 || n > K.rows) throw new Error(`prefix ${n} is outside 1..${K.rows}`);
    const Kn = { rows: n, cols: K.cols, data: K.data.subarray(0, n * K.cols) };
    const lambda = lambdaOf(n);
    const h = attention(Q, Kn, null, lambda).rowEntropies;
    return { n, lambda, meanEntropy: h.reduce((a, b) => a + b, 0) / h.length };
  });
}
