// What each demo page computes for one input, as pure functions (no DOM): the page
// calls them directly for small inputs and through demo.worker.ts for large ones;
// bench/linalg.ts times them at the default sizes.
import { type Mat, zeros, matmul, sub, froNorm, transpose, selectCols, selectRows, colNorms, topIndices, fromRows } from './core/matrix.ts';
import { svdRows, singularValues, numericalRank } from './core/svd.ts';
import { pinv, pinvEigenRoute, ridgePath } from './core/pinv.ts';
import { froErrorAtRank } from './core/lowrank.ts';
import { pivotedQr } from './core/qr.ts';
import { interpDecomp, randomizedId, optimRid } from './core/id.ts';
import { deim, curWithSelection, curSampleSelect } from './core/cur.ts';
import { hardTopk, iterSu, iterWeighted, gradTopk, threExp, threSigmoid, threSmooth, validateTopk } from './core/topk.ts';
import { SCHEDULES, newtonSchulz, msignSvd, scalarMap } from './core/msign.ts';
import { scaleFor, entropyByPrefix, type ScaleRule } from './core/entropy.ts';
import { matrixWithSpectrum, gaussian, rng } from './core/random.ts';
import { LIMITS, TOPK_METHODS, DEFAULTS, type RandomMatrixSpec, type EntropySpec, type TopkMethod } from '../../lib/demos.ts';

// ------------------------------------------------------------------ inputs



export function checkSpec(s: RandomMatrixSpec): void {
  const int = (v: number, lo: number, hi: number, name: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${name} must be a whole number from ${lo} to ${hi}`);
  };
  int(s.rows, 1, LIMITS.maxDim, 'rows');
  int(s.cols, 1, LIMITS.maxDim, 'columns');
  int(s.rank, 1, Math.min(s.rows, s.cols), 'rank');
  if (!(s.decay > 0 && s.decay <= 1)) throw new Error('decay must be in (0, 1]');
  if (!(s.noise >= 0 && s.noise <= 10)) throw new Error('noise must be in [0, 10]');
  int(s.seed, 0, 2 ** 31, 'seed');
}

export function randomMatrix(s: RandomMatrixSpec): Mat {
  checkSpec(s);
  return matrixWithSpectrum(s);
}

/** Rows on lines (or separated by ';'), entries by commas or spaces. */
export function parseMatrixText(text: string): Mat {
  const lines = text.split(/[\n;]+/).map((l) => l.trim()).filter(Boolean);
  if (!lines.length) throw new Error('paste at least one row of numbers');
  const rows = lines.map((l, i) =>
    l.split(/[\s,]+/).filter(Boolean).map((t) => {
      const v = Number(t);
      if (!Number.isFinite(v)) throw new Error(`row ${i + 1}: "${t.slice(0, 20)}" is not a number`);
      return v;
    }),
  );
  const n = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== n) throw new Error(`row ${i + 1} has ${r.length} numbers, the first row has ${n}`);
  });
  if (rows.length > LIMITS.maxDim || n > LIMITS.maxDim) throw new Error(`at most ${LIMITS.maxDim} rows and columns`);
  return fromRows(rows);
}

export function parseVectorText(text: string): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.length) throw new Error('enter at least two numbers');
  const x = parts.map((t) => {
    const v = Number(t);
    if (!Number.isFinite(v)) throw new Error(`"${t.slice(0, 20)}" is not a number`);
    return v;
  });
  if (x.length < 2) throw new Error('enter at least two numbers');
  if (x.length > LIMITS.maxTopkN) throw new Error(`at most ${LIMITS.maxTopkN} numbers`);
  return x;
}

// ------------------------------------------------------------------ low-rank family

export interface LowRankReport {
  rows: number;
  cols: number;
  s: number[];
  numericalRank: number;
  ranks: number[];
  /** Frobenius error against rank for each method; the SVD is the floor. */
  errors: Record<LowRankCurve, number[]>;
  pinv: {
    rank: number;
    condKept: number;
    /** Relative residuals of AXA=A, XAX=X, (AX)ᵀ=AX, (XA)ᵀ=XA. */
    identities: number[];
    eigenRouteRank: number;
    /** ‖X_eig − X_svd‖_F / ‖X_svd‖_F: what squaring the condition number costs. */
    eigenRouteRelDiff: number;
    ridge: { eps: number; dist: number }[];
  };
  atRank: {
    r: number;
    svdError: number;
    idSkeleton: number[];
    idMaxAbsProj: number;
    randomizedId: { label: string; skeleton: number[]; froError: number }[];
    crTop: number[];
    cur: { rule: string; cols: number[]; rows: number[]; errOpt: number; errInt: number; condW: number }[];
  };
}

export const LOW_RANK_CURVES = ['svd', 'id', 'cur_qr', 'cur_deim', 'cur_deim_intersection', 'cr_top', 'cr_sampled'] as const;
export type LowRankCurve = (typeof LOW_RANK_CURVES)[number];

export const LOW_RANK_LABELS: Record<LowRankCurve, string> = {
  svd: 'SVD (optimum)',
  id: 'ID, pivoted QR',
  cur_qr: 'CUR, pivoted QR, U = C⁺MR⁺',
  cur_deim: 'CUR, DEIM, U = C⁺MR⁺',
  cur_deim_intersection: 'CUR, DEIM, U = W⁺',
  cr_top: 'CR of M·I, top-r columns',
  cr_sampled: 'CR of M·I, r draws (expected)',
};

const MAX_CURVE_POINTS = 60;

export function lowRankReport(A: Mat, rAt: number): LowRankReport {
  const m = A.rows, n = A.cols, p = Math.min(m, n);
  const { s, Ut, Vt } = svdRows(A);
  const step = Math.max(1, Math.ceil(p / MAX_CURVE_POINTS));
  const ranks: number[] = [];
  for (let r = 1; r <= p; r += step) ranks.push(r);
  if (ranks[ranks.length - 1] !== p) ranks.push(p);

  // ID errors from one pivoted QR: after r steps the error is the norm of the trailing block.
  const qr = pivotedQr(A, p);
  const rowTail: number[] = [];
  for (let i = 0; i < qr.R.rows; i++) {
    let t = 0;
    for (let c = i; c < n; c++) t += qr.R.data[i * n + c] ** 2;
    rowTail.push(t);
  }
  const idErr = (r: number) => {
    let t = qr.trailingFro ** 2;
    for (let i = r; i < rowTail.length; i++) t += rowTail[i];
    return Math.sqrt(t);
  };
  // CR for the product M·I: the terms are the columns of M, with weights w_i = ‖m_i‖, so
  // ‖M·I‖_F = ‖M‖_F and the expected error of r optimal draws is ((Σw)² − ‖M‖²_F)/r.
  const cn = colNorms(A);
  const fro2 = cn.reduce((a, c) => a + c * c, 0);
  const sumW = cn.reduce((a, c) => a + c, 0);
  const crTopErr = (r: number) => {
    const keep = new Set(topIndices(cn, r));
    return Math.sqrt(cn.reduce((acc, c, i) => acc + (keep.has(i) ? 0 : c * c), 0));
  };
  const crSampledErr = (r: number) => Math.sqrt(Math.max(0, (sumW * sumW - fro2) / r));
  const qrRows = pivotedQr(transpose(A), p);
  // Both pivoted QR and DEIM choose nested index sets, so one pass gives every rank.
  const deimCols = deim(Vt, p), deimRows = deim(Ut, p);
  const errors: Record<LowRankCurve, number[]> = {
    svd: ranks.map((r) => froErrorAtRank(s, r)),
    id: ranks.map(idErr),
    cur_qr: nestedCurErrors(A, qr.idx, qrRows.idx, ranks),
    cur_deim: nestedCurErrors(A, deimCols, deimRows, ranks),
    cur_deim_intersection: ranks.map((r) => intersectionError(A, deimCols.slice(0, r), deimRows.slice(0, r))),
    cr_top: ranks.map(crTopErr),
    cr_sampled: ranks.map(crSampledErr),
  };
  // Below 1e-12·‖M‖_F an error is rounding noise of an exact zero; report it as 0.
  const noise = 1e-12 * Math.sqrt(fro2);
  for (const c of LOW_RANK_CURVES) errors[c] = errors[c].map((e) => (e < noise ? 0 : e));
  const vecs = (Q: Mat, r: number) => ({ rows: r, cols: Q.cols, data: Q.data.subarray(0, r * Q.cols) });

  const factors = { s, Ut, Vt };
  const pv = pinv(A, undefined, factors);
  const X = pv.X;
  const rel = (E: Mat, B: Mat) => froNorm(E) / Math.max(froNorm(B), 1e-300);
  const AX = matmul(A, X), XA = matmul(X, A);
  const eig = n <= 120 ? pinvEigenRoute(A) : null;
  const epsList = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8];
  const ridge = ridgePath(A, epsList, undefined, factors).map((B, i) => ({ eps: epsList[i], dist: froNorm(sub(B, X)) }));

  const r = Math.max(1, Math.min(rAt, p));
  const id = interpDecomp(A, r);
  let maxProj = 0;
  for (const v of id.proj.data) maxProj = Math.max(maxProj, Math.abs(v));
  const curAt = [
    { rule: 'pivoted QR', sel: { cols: qr.idx.slice(0, r), rows: qrRows.idx.slice(0, r) } },
    { rule: 'DEIM', sel: { cols: deim(vecs(Vt, r), r), rows: deim(vecs(Ut, r), r) } },
    { rule: 'largest norms', sel: { cols: topIndices(cn, r), rows: topIndices(rowNormsOf(A), r) } },
    { rule: 'leverage (γ = r)', sel: leverageTop(Ut, Vt, r) },
    { rule: 'sampled ∝ ‖m‖² (seed 1)', sel: curSampleSelect(A, r, 'norm_sq', rng(1)) },
    { rule: 'sampled by leverage (seed 1)', sel: curSampleSelect(A, r, 'leverage', rng(1)) },
  ].map(({ rule, sel }) => {
    const c = curWithSelection(A, sel);
    return { rule, cols: c.cols, rows: c.rows, errOpt: c.froErrorUopt, errInt: c.froErrorUintersection, condW: c.condW };
  });

  return {
    rows: m,
    cols: n,
    s: Array.from(s),
    numericalRank: numericalRank(s, m, n),
    ranks,
    errors,
    pinv: {
      rank: pv.rank,
      condKept: pv.condKept,
      identities: froNorm(A) > 0 ? [rel(sub(matmul(AX, A), A), A), rel(sub(matmul(XA, X), X), X), rel(sub(AX, transpose(AX)), AX), rel(sub(XA, transpose(XA)), XA)] : [0, 0, 0, 0],
      eigenRouteRank: eig ? eig.rank : NaN,
      eigenRouteRelDiff: eig ? rel(sub(eig.X, X), X) : NaN,
      ridge,
    },
    atRank: {
      r,
      svdError: froErrorAtRank(s, r),
      idSkeleton: id.skeleton,
      idMaxAbsProj: maxProj,
      randomizedId: [
        { label: `ID, Gaussian sketch of ${Math.min(m, 2 * r)} rows (seed 1)`, ...randomizedId(A, r, Math.min(m, 2 * r), gaussian(rng(1))) },
        { label: `ID, Optim-RID from ${Math.min(n, 2 * r)} sampled columns (seed 1)`, ...optimRid(A, r, Math.min(n, 2 * r), rng(1)) },
      ],
      crTop: topIndices(cn, r),
      cur: curAt,
    },
  };
}

function rowNormsOf(A: Mat): number[] {
  return colNorms(transpose(A));
}

function leverageTop(Ut: Mat, Vt: Mat, r: number): { cols: number[]; rows: number[] } {
  const lev = (Q: Mat) => {
    const out = new Array(Q.cols).fill(0);
    for (let k = 0; k < r; k++) for (let j = 0; j < Q.cols; j++) out[j] += Q.data[k * Q.cols + j] ** 2;
    return out;
  };
  return { cols: topIndices(lev(Vt), r), rows: topIndices(lev(Ut), r) };
}

/** Appends v to an orthonormal set stored as rows (two Gram–Schmidt passes); false if v is dependent. */
function appendOrthonormal(Q: number[][], v: Float64Array): boolean {
  const w = Float64Array.from(v);
  const v0 = Math.hypot(...w);
  for (let pass = 0; pass < 2; pass++)
    for (const q of Q) {
      let d = 0;
      for (let i = 0; i < w.length; i++) d += q[i] * w[i];
      for (let i = 0; i < w.length; i++) w[i] -= d * q[i];
    }
  let nrm = 0;
  for (const x of w) nrm += x * x;
  nrm = Math.sqrt(nrm);
  if (!(nrm > 1e-12 * Math.max(v0, 1e-300))) return false;
  Q.push(Array.from(w, (x) => x / nrm));
  return true;
}

/**
 * ‖M − C·(C⁺MR⁺)·R‖_F for the nested selections cols[:r], rows[:r], at each r in `ranks`:
 * C(C⁺MR⁺)R = P_C·M·P_R, built from orthonormal bases that grow one vector per rank.
 */
function nestedCurErrors(M: Mat, cols: number[], rows: number[], ranks: number[]): number[] {
  const m = M.rows, n = M.cols;
  const Qc: number[][] = [], Qr: number[][] = [];
  // T = Qcᵀ·M, one row per basis vector of the column space, grown with it.
  const T: Float64Array[] = [];
  const fro2 = froNorm(M) ** 2;
  const out: number[] = [];
  let done = 0;
  for (const r of ranks) {
    for (; done < r; done++) {
      const c = new Float64Array(m);
      for (let i = 0; i < m; i++) c[i] = M.data[i * n + cols[done]];
      if (appendOrthonormal(Qc, c)) {
        const q = Qc[Qc.length - 1], row = new Float64Array(n);
        for (let i = 0; i < m; i++) {
          const qi = q[i];
          if (qi !== 0) for (let j = 0; j < n; j++) row[j] += qi * M.data[i * n + j];
        }
        T.push(row);
      }
      appendOrthonormal(Qr, M.data.slice(rows[done] * n, (rows[done] + 1) * n));
    }
    // X ↦ P_C X P_R is an orthogonal projection, so ‖M − P_C M P_R‖² = ‖M‖² − ‖Qcᵀ M Qr‖².
    let core2 = 0;
    for (const t of T)
      for (const q of Qr) {
        let d = 0;
        for (let j = 0; j < n; j++) d += t[j] * q[j];
        core2 += d * d;
      }
    const e2 = fro2 - core2;
    if (e2 > 1e-10 * fro2) out.push(Math.sqrt(e2));
    else {
      // Too much cancellation: form the residual explicitly.
      const QcT = fromRows(Qc.length ? Qc : [new Array(m).fill(0)]);
      const QrT = fromRows(Qr.length ? Qr : [new Array(n).fill(0)]);
      const core = matmul(matmul(QcT, M), transpose(QrT));
      out.push(froNorm(sub(M, matmul(matmul(transpose(QcT), core), QrT))));
    }
  }
  return out;
}

/** ‖M − C·W⁺·R‖_F with W = M[rows, cols]. */
function intersectionError(M: Mat, cols: number[], rows: number[]): number {
  const C = selectCols(M, cols), R = selectRows(M, rows);
  const W = selectCols(R, cols);
  return froNorm(sub(M, matmul(matmul(C, pinv(W).X), R)));
}

// ------------------------------------------------------------------ Top-k family


export interface TopkReport {
  x: number[];
  k: number;
  tau: number;
  hard: number[] | null;
  at: Record<TopkMethod, { p: number[]; lambda: number | null; note: string }>;
  taus: number[];
  /** Total mass on the true top-k as τ sweeps (null where the hard top-k is tied). */
  mass: Record<TopkMethod, number[]> | null;
  /** entries[method][i][t]: output i at τ = taus[t]. */
  entries: Record<TopkMethod, number[][]>;
}

function topkAll(z: number[], k: number): Record<TopkMethod, { p: number[]; lambda: number | null; note: string }> {
  const su = iterSu(z, k), w = iterWeighted(z, k), g = gradTopk(z, k);
  const te = threExp(z, k), ts = threSigmoid(z, k), tsm = threSmooth(z, k);
  const lam = (t: { lambda: number; wellConditioned: boolean }) => (t.wellConditioned && Number.isFinite(t.lambda) ? t.lambda : null);
  return {
    iter_su: { p: su.p, lambda: null, note: su.float64Stable ? '' : 'plain float64 loses accuracy here' },
    iter_weighted: { p: w.p, lambda: null, note: w.float64Stable ? '' : 'plain float64 loses accuracy here' },
    grad: { p: g.p, lambda: null, note: g.blogRecursionAgrees ? '' : 'the post’s subtraction recursion breaks down here' },
    thre_exp: { p: te.p, lambda: lam(te), note: '' },
    thre_sigmoid: { p: ts.p, lambda: lam(ts), note: ts.wellConditioned ? '' : 'λ is numerically flat' },
    thre_smooth: { p: tsm.p, lambda: lam(tsm), note: tsm.wellConditioned ? '' : 'λ is numerically flat' },
  };
}

export function topkReport(x: number[], k: number, tau: number, points = 48): TopkReport {
  validateTopk(x, k, tau);
  const taus: number[] = [];
  for (let i = 0; i < points; i++) taus.push(10 ** (-2 + (3 * i) / (points - 1)));
  const hard = hardTopk(x, k);
  const entries = Object.fromEntries(TOPK_METHODS.map((m) => [m, x.map(() => [] as number[])])) as Record<TopkMethod, number[][]>;
  const mass = hard ? (Object.fromEntries(TOPK_METHODS.map((m) => [m, [] as number[]])) as Record<TopkMethod, number[]>) : null;
  for (const t of taus) {
    const all = topkAll(x.map((v) => v / t), k);
    for (const m of TOPK_METHODS) {
      all[m].p.forEach((v, i) => entries[m][i].push(v));
      if (mass && hard) mass[m].push(all[m].p.reduce((a, v, i) => a + v * hard[i], 0));
    }
  }
  return { x, k, tau, hard, at: topkAll(x.map((v) => v / tau), k), taus, mass, entries };
}

// ------------------------------------------------------------------ msign family

export interface MsignReport {
  normalized: number[];
  schedule: string;
  renorm: boolean;
  /** Singular values of X_t for t = 0..T, measured by SVD (not from the scalar map). */
  steps: number[][];
  grid: number[];
  /** curves[t][g] = x_t(grid[g]) for t = 1..T. */
  curves: number[][];
  /** ‖X_T − msign(M)‖_F for every schedule. */
  froErrors: { schedule: string; fro: number; minSv: number; maxSv: number }[];
  rank: number;
}

export function msignReport(M: Mat, schedule: string, renorm: boolean): MsignReport {
  const sch = SCHEDULES[schedule];
  if (!sch) throw new Error(`unknown schedule ${schedule}`);
  const f = froNorm(M);
  const s = singularValues(M);
  const normalized = Array.from(s, (v) => v / Math.sqrt(f * f + 1e-20));
  const run = newtonSchulz(M, sch, { renormFirstStep: renorm, keepHistory: true });
  const steps = [normalized, ...run.history.map((X) => Array.from(singularValues(X)))];
  const grid: number[] = [];
  for (let i = 0; i < 120; i++) grid.push(10 ** (-3 + (3 * i) / 119));
  const curves = sch.map((_, t) => grid.map((x0) => scalarMap(x0, sch.slice(0, t + 1))));
  const O = msignSvd(M).O;
  const froErrors = Object.entries(SCHEDULES).map(([name, c]) => {
    const X = newtonSchulz(M, c, { renormFirstStep: renorm }).X;
    const sv = singularValues(X);
    return { schedule: name, fro: froNorm(sub(X, O)), minSv: sv[sv.length - 1] ?? 0, maxSv: sv[0] ?? 0 };
  });
  return { normalized, schedule, renorm, steps, grid, curves, froErrors, rank: numericalRank(s, M.rows, M.cols) };
}

// ------------------------------------------------------------------ entropy-invariant softmax


export interface EntropyReport {
  ns: number[];
  curves: { rule: string; label: string; lambdas: number[]; entropies: number[] }[];
  logN: number[];
}

/** Queries and keys on the sphere of radius √d, as in the post's estimate. */
function sphereRows(count: number, d: number, g: () => number): Mat {
  const A = zeros(count, d);
  for (let i = 0; i < count; i++) {
    let nrm = 0;
    for (let j = 0; j < d; j++) nrm += (A.data[i * d + j] = g()) ** 2;
    const s = Math.sqrt(d / nrm);
    for (let j = 0; j < d; j++) A.data[i * d + j] *= s;
  }
  return A;
}

export function entropyReport(spec: EntropySpec): EntropyReport {
  const { d, maxN, queries, kappa, seed } = spec;
  if (!Number.isInteger(d) || d < 1 || d > 512) throw new Error('d must be a whole number from 1 to 512');
  if (!Number.isInteger(maxN) || maxN < 2 || maxN > 8192) throw new Error('n must be a whole number from 2 to 8192');
  if (!Number.isInteger(queries) || queries < 1 || queries > 64) throw new Error('queries must be from 1 to 64');
  if (!(kappa > 0 && kappa < 100)) throw new Error('κ must be a positive number below 100');
  const g = gaussian(rng(seed));
  const Q = sphereRows(queries, d, g), K = sphereRows(maxN, d, g);
  const ns: number[] = [];
  for (let n = 2; n < maxN; n *= 2) ns.push(n);
  ns.push(maxN);
  const rules: { rule: ScaleRule; label: string }[] = [
    { rule: 'standard_1_over_sqrt_d', label: 'λ = 1/√d' },
    { rule: 'entropy_invariant', label: 'λ = log₅₁₂n/√d' },
    { rule: 'entropy_invariant_kappa', label: `λ = κ log n/d, κ = ${kappa}` },
    { rule: 'entropy_invariant_kappa_1_over_0.24', label: 'λ = log n/(0.24 d)' },
  ];
  const curves = rules.map(({ rule, label }) => {
    const rows = entropyByPrefix(Q, K, ns, (n) => scaleFor(rule, n, d, kappa));
    return { rule, label, lambdas: rows.map((r) => r.lambda), entropies: rows.map((r) => r.meanEntropy) };
  });
  return { ns, curves, logN: ns.map((n) => Math.log(n)) };
}

// ------------------------------------------------------------------ defaults and timing


/** Above this many matrix entries the page hands the work to the worker. */
export const WORKER_THRESHOLD = 1200;

export const DEMO_TIMINGS: { label: string; run: () => unknown }[] = [
  { label: `low-rank, ${DEFAULTS.lowRank.rows}×${DEFAULTS.lowRank.cols} (spectrum, pinv, error vs rank for SVD/ID/CUR/CR)`, run: () => lowRankReport(randomMatrix(DEFAULTS.lowRank), DEFAULTS.lowRank.r) },
  { label: `Top-k, n = ${DEFAULTS.topk.x.length}, six methods × 48 temperatures`, run: () => topkReport(DEFAULTS.topk.x, DEFAULTS.topk.k, DEFAULTS.topk.tau) },
  { label: `msign, ${DEFAULTS.msign.rows}×${DEFAULTS.msign.cols}, every step + all 7 schedules`, run: () => msignReport(randomMatrix(DEFAULTS.msign), DEFAULTS.msign.schedule, false) },
  { label: `entropy softmax, d = ${DEFAULTS.entropy.d}, n up to ${DEFAULTS.entropy.maxN}, 4 rules`, run: () => entropyReport(DEFAULTS.entropy) },
];
