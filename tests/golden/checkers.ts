// One checker per golden algorithm. Each reads the case through `Fields`, so an input or
// expected key it does not consume fails the case; it also asserts the spec's invariants
// that need no reference values.
import assert from 'node:assert/strict';
import { type Mat, fromRows, matmul, sub, froNorm, transpose, eye } from '../../web/demos/core/matrix.ts';
import { svdRows, singularValues, numericalRank } from '../../web/demos/core/svd.ts';
import { pinv, ridgePath, defaultRtol } from '../../web/demos/core/pinv.ts';
import { froErrorAtRank, specErrorAtRank, truncationUnique, truncate, applySignConvention } from '../../web/demos/core/lowrank.ts';
import { crSampling, crTopIndices, crError, crOptimalDiag, crOptimalFull, crGreedy } from '../../web/demos/core/cr.ts';
import { interpDecomp, idSummary, greedyMinErrorColumns, columnSubsetError, r1TotalSqErrors, r1ExhaustiveBest } from '../../web/demos/core/id.ts';
import { CUR_RULES, type CurRule, curSelect, curWithSelection, curDistributions } from '../../web/demos/core/cur.ts';
import { hardTopk, iterSu, iterWeighted, gradTopk, threExp, threSigmoid, threSmooth, type ThreResult, validateTopk } from '../../web/demos/core/topk.ts';
import { SCHEDULES, type Coeffs, newtonSchulz, msignSvd, scalarMap } from '../../web/demos/core/msign.ts';
import { isScaleRule, scaleFor, scoreSoftmax, attention, entropyByPrefix } from '../../web/demos/core/entropy.ts';
import { Fields, type Tol, closeArray, closeScalar, closeSingularValues, sameIndices, asMatrixRows, asVector, asInt } from './compare.ts';

export interface CaseContext {
  id: string;
  input: Fields;
  expected: Fields;
  tol: Tol;
  /** File-level extras (msign's schedules). */
  file: Record<string, unknown>;
}

function matrixInput(f: Fields, key: string): Mat {
  const A = fromRows(asMatrixRows(f.take(key), `${f.path}.${key}`));
  return A;
}

function checkShape(input: Fields, A: Mat): void {
  const shape = input.optional('shape');
  if (shape !== undefined) assert.deepEqual(shape, [A.rows, A.cols], `input.shape ${JSON.stringify(shape)} disagrees with the matrix`);
}

function rel(E: Mat, A: Mat): number {
  const a = froNorm(A);
  return a > 0 ? froNorm(E) / a : froNorm(E);
}

// ---------------------------------------------------------------- pinv
function checkPinv({ input, expected: e, tol }: CaseContext): void {
  const A = matrixInput(input, 'A');
  checkShape(input, A);
  const rtolIn = input.optional('rtol');
  const rtol = rtolIn === undefined ? defaultRtol(A.rows, A.cols) : (rtolIn as number);
  const r = pinv(A, rtol);
  closeArray(r.X, e.take('pinv'), tol, 'pinv');
  if (e.has('singular_values')) closeSingularValues(r.s, e.take('singular_values'), tol, 'singular_values');
  if (e.has('rank')) assert.equal(r.rank, e.take('rank'), 'rank');
  if (e.has('cond_kept')) closeScalar(r.condKept, e.take('cond_kept'), tol, 'cond_kept');
  const ridge = e.optional('ridge_limit');
  if (ridge !== undefined) {
    assert.ok(Array.isArray(ridge), 'ridge_limit must be a list');
    const items = ridge.map((x, i) => e.wrap(x, `.ridge_limit[${i}]`));
    const epsilons = items.map((it) => it.num('eps'));
    const B = ridgePath(A, epsilons, rtol);
    const dist = B.map((b) => froNorm(sub(b, r.X)));
    items.forEach((it, i) => {
      if (it.has('B_eps')) closeArray(B[i], it.take('B_eps'), tol, `ridge_limit[${i}].B_eps`);
      if (it.has('fro_dist_to_pinv')) closeScalar(dist[i], it.take('fro_dist_to_pinv'), tol, `ridge_limit[${i}].fro_dist_to_pinv`);
    });
    // Invariant: the distance shrinks as ε falls.
    const order = epsilons.map((_, i) => i).sort((a, b) => epsilons[b] - epsilons[a]);
    for (let i = 1; i < order.length; i++) assert.ok(dist[order[i]] <= dist[order[i - 1]] * (1 + 1e-12), 'ridge distance must decrease as ε → 0');
  }
  // Invariants: the four Moore–Penrose conditions, relative residual ≲ 1e-12·cond·max(m,n).
  const X = r.X;
  const bound = 1e-12 * Math.max(1, r.condKept) * Math.max(A.rows, A.cols) + 1e-14;
  const AX = matmul(A, X), XA = matmul(X, A);
  if (froNorm(A) > 0) {
    assert.ok(rel(sub(matmul(AX, A), A), A) <= bound, 'AXA = A');
    assert.ok(rel(sub(matmul(XA, X), X), X) <= bound, 'XAX = X');
    assert.ok(rel(sub(AX, transpose(AX)), AX) <= bound, '(AX)ᵀ = AX');
    assert.ok(rel(sub(XA, transpose(XA)), XA) <= bound, '(XA)ᵀ = XA');
  } else assert.equal(froNorm(X), 0, 'the zero matrix has the zero pseudo-inverse');
}

// ---------------------------------------------------------------- svd
function checkSvd({ input, expected: e, tol }: CaseContext): void {
  const A = matrixInput(input, 'A');
  checkShape(input, A);
  const { s, Ut, Vt } = svdRows(A);
  closeSingularValues(s, e.take('singular_values'), tol, 'singular_values');
  if (e.has('fro_norm')) closeScalar(froErrorAtRank(s, 0), e.take('fro_norm'), tol, 'fro_norm');
  if (e.has('spec_norm')) closeScalar(specErrorAtRank(s, 0), e.take('spec_norm'), tol, 'spec_norm');
  if (e.has('numerical_rank')) assert.equal(numericalRank(s, A.rows, A.cols), e.take('numerical_rank'), 'numerical_rank');
  const best = e.optional('best_rank_r');
  if (best !== undefined) {
    assert.ok(Array.isArray(best), 'best_rank_r must be a list');
    best.forEach((item, i) => {
      const it = e.wrap(item, `.best_rank_r[${i}]`);
      const r = asInt(it.take('r'), 'r');
      if (it.has('fro_error')) closeScalar(froErrorAtRank(s, r), it.take('fro_error'), tol, `r=${r} fro_error`);
      if (it.has('spec_error')) closeScalar(specErrorAtRank(s, r), it.take('spec_error'), tol, `r=${r} spec_error`);
      if (it.has('unique')) assert.equal(truncationUnique(s, r), it.take('unique'), `r=${r} unique`);
      if (it.has('approx')) {
        const approx = it.take('approx');
        if (approx !== null) {
          const Ar = truncate(Ut, s, Vt, r);
          closeArray(Ar, approx, tol, `r=${r} approx`);
          // Eckart–Young: the truncation's error is exactly the tail of the spectrum.
          closeScalar(froNorm(sub(A, Ar)), froErrorAtRank(s, r), { rel: 1e-9, abs_error_floor: 1e-12 * (s[0] || 1) }, `r=${r} ‖A−A_r‖_F`);
        }
      }
    });
  }
  if (e.has('U_thin') || e.has('V_thin')) {
    const U2 = { ...Ut, data: new Float64Array(Ut.data) }, V2 = { ...Vt, data: new Float64Array(Vt.data) };
    applySignConvention(U2, V2);
    if (e.has('U_thin')) closeArray(transpose(U2), e.take('U_thin'), tol, 'U_thin');
    if (e.has('V_thin')) closeArray(transpose(V2), e.take('V_thin'), tol, 'V_thin');
  }
  // Invariants: orthonormal factors, exact reconstruction, σ ≥ 0 descending, Σσ² = ‖A‖²_F.
  const p = s.length;
  assert.ok(froNorm(sub(matmul(Ut, transpose(Ut)), eye(p))) <= 1e-12 * Math.max(p, 1) + 1e-13, 'UᵀU = I');
  assert.ok(froNorm(sub(matmul(Vt, transpose(Vt)), eye(p))) <= 1e-12 * Math.max(p, 1) + 1e-13, 'VᵀV = I');
  assert.ok(rel(sub(truncate(Ut, s, Vt, p), A), A) <= 1e-13 * Math.max(A.rows, A.cols, 1), 'U diag(σ) Vᵀ = A');
  for (let i = 0; i < p; i++) assert.ok(s[i] >= 0 && (i === 0 || s[i] <= s[i - 1]), 'σ non-negative and descending');
  closeScalar(Math.sqrt(s.reduce((a, x) => a + x * x, 0)), froNorm(A), { rel: 1e-12, abs_error_floor: 1e-14 }, 'Σσ² = ‖A‖²');
}

// ---------------------------------------------------------------- cr
function checkCr({ input, expected: e, tol }: CaseContext): void {
  const X = matrixInput(input, 'X'), Y = matrixInput(input, 'Y');
  const r = asInt(input.take('r'), 'r');
  assert.ok(r >= 1 && r <= X.cols, 'r must be in 1..l');
  const s = crSampling(X, Y, r);
  const vec = (key: string, got: (number | null)[]) => e.has(key) && closeArray(got, e.take(key), tol, key);
  const sc = (key: string, got: number) => e.has(key) && closeScalar(got, e.take(key), tol, key);
  vec('col_norms_X', s.colNormsX);
  vec('row_norms_Y', s.rowNormsY);
  vec('weights', s.weights);
  vec('probabilities', s.probabilities);
  vec('scale_if_sampled', s.scaleIfSampled);
  sc('product_fro_norm', s.productFroNorm);
  sc('single_sample_mse_optimal_p', s.singleSampleMseOptimal);
  sc('single_sample_mse_uniform_p', s.singleSampleMseUniform);
  sc('r_sample_mse_optimal_p', s.rSampleMseOptimal);
  sc('r_sample_mse_uniform_p', s.rSampleMseUniform);
  const S = crTopIndices(X, Y, r);
  if (e.has('topr_indices')) sameIndices(S, e.take('topr_indices'), 'topr_indices');
  const errOnes = crError(X, Y, S);
  sc('topr_fro_error', errOnes);
  const lam = crOptimalDiag(X, Y, S);
  const errDiag = crError(X, Y, S, lam);
  vec('topr_optimal_diag_lambda', lam);
  sc('topr_optimal_diag_fro_error', errDiag);
  const full = crOptimalFull(X, Y, S);
  if (e.has('topr_optimal_full_Lambda')) closeArray(full.Lambda, e.take('topr_optimal_full_Lambda'), tol, 'topr_optimal_full_Lambda');
  sc('topr_optimal_full_fro_error', full.froError);
  const greedyK = e.optional('greedy_k');
  if (greedyK !== undefined) {
    const g = crGreedy(X, Y, r, asInt(greedyK, 'greedy_k'));
    const steps = e.take('greedy_steps');
    assert.ok(Array.isArray(steps) && steps.length === g.steps.length, `greedy_steps: ${g.steps.length} steps`);
    steps.forEach((st, i) => {
      const f = e.wrap(st, `.greedy_steps[${i}]`);
      sameIndices(g.steps[i].removed, f.take('removed'), `greedy_steps[${i}].removed`);
      closeScalar(g.steps[i].sumNorm, f.take('sum_norm'), tol, `greedy_steps[${i}].sum_norm`);
    });
    sameIndices(g.kept, e.take('greedy_kept_indices'), 'greedy_kept_indices');
    if (e.has('greedy_fro_error')) closeScalar(crError(X, Y, g.kept), e.take('greedy_fro_error'), tol, 'greedy_fro_error');
  } else for (const k of ['greedy_steps', 'greedy_kept_indices', 'greedy_fro_error']) assert.ok(!e.has(k), `${k} needs greedy_k`);
  // Invariants.
  closeScalar(s.probabilities.reduce((a, b) => a + b, 0), 1, { abs: 1e-12 }, 'Σp = 1');
  assert.ok(s.singleSampleMseOptimal <= s.singleSampleMseUniform * (1 + 1e-12) + 1e-12, 'optimal p beats uniform p');
  const slack = 1e-10 * (s.productFroNorm || 1);
  assert.ok(full.froError <= errDiag + slack && errDiag <= errOnes + slack, 'err(full Λ) ≤ err(diag λ*) ≤ err(λ ≡ 1)');
}

// ---------------------------------------------------------------- id
function checkId({ input, expected: e, tol }: CaseContext): void {
  const A = matrixInput(input, 'A');
  checkShape(input, A);
  const k = asInt(input.take('k'), 'k');
  const sum = idSummary(A, k);
  const id = sum.id;
  if (e.has('idx')) sameIndices(id.idx, e.take('idx'), 'idx');
  if (e.has('skeleton')) sameIndices(id.skeleton, e.take('skeleton'), 'skeleton');
  if (e.has('proj')) closeArray(id.proj, e.take('proj'), tol, 'proj');
  if (e.has('P')) closeArray(id.P, e.take('P'), tol, 'P');
  const sc = (key: string, got: number) => e.has(key) && closeScalar(got, e.take(key), tol, key);
  sc('fro_error', sum.froError);
  sc('spec_error', sum.specError);
  sc('svd_rank_k_fro_error', sum.svdRankKFroError);
  sc('max_abs_proj', sum.maxAbsProj);
  if (e.has('R_diag_abs')) closeArray(id.rdiagAbs, e.take('R_diag_abs'), tol, 'R_diag_abs');
  if (e.has('greedy_min_error_skeleton')) {
    const exp = e.take('greedy_min_error_skeleton');
    const got = greedyMinErrorColumns(A, k);
    if (exp === null) assert.equal(got, null, 'greedy_min_error_skeleton: expected a tie (null)');
    else sameIndices(got ?? [], exp, 'greedy_min_error_skeleton');
    const expErr = e.optional('greedy_min_error_fro_error');
    if (expErr !== undefined) {
      if (expErr === null) assert.equal(got, null, 'greedy_min_error_fro_error is null only for a tie');
      else closeScalar(columnSubsetError(A, got ?? []), expErr, tol, 'greedy_min_error_fro_error');
    }
  }
  if (e.has('r1_exhaustive_total_sq_errors')) closeArray(r1TotalSqErrors(A), e.take('r1_exhaustive_total_sq_errors'), tol, 'r1_exhaustive_total_sq_errors');
  if (e.has('r1_exhaustive_best_column')) assert.equal(r1ExhaustiveBest(A), e.take('r1_exhaustive_best_column'), 'r1_exhaustive_best_column');
  if (e.has('r1_pivoted_qr_column')) assert.equal(interpDecomp(A, 1).skeleton[0], e.take('r1_pivoted_qr_column'), 'r1_pivoted_qr_column');
  // Invariants: P[:, S] = I, |R_jj| non-increasing, error = ‖R₂₂‖ ≥ the SVD bound, Z = C⁺A.
  const n = A.cols;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) assert.equal(id.P.data[i * n + id.skeleton[j]], i === j ? 1 : 0, 'P[:, idx[:k]] = I');
  for (let j = 1; j < id.rdiagAbs.length; j++) assert.ok(id.rdiagAbs[j] <= id.rdiagAbs[j - 1] * (1 + 1e-12), '|R_jj| non-increasing');
  const scale = froNorm(A) || 1;
  assert.ok(Math.abs(sum.froError - id.trailingFro) <= 1e-10 * scale, '‖A − CP‖_F = ‖R₂₂‖_F');
  assert.ok(sum.froError >= sum.svdRankKFroError - 1e-10 * scale, 'ID error ≥ SVD rank-k error');
  closeScalar(columnSubsetError(A, id.skeleton), sum.froError, { rel: 1e-8, abs_error_floor: 1e-12 * scale }, 'Z = C⁺A gives the same error');
}

// ---------------------------------------------------------------- cur
function checkCur({ input, expected: e, tol }: CaseContext): void {
  const M = matrixInput(input, 'M');
  checkShape(input, M);
  const r = asInt(input.take('r'), 'r');
  const dist = curDistributions(M, r);
  const vec = (key: string, got: number[]) => e.has(key) && closeArray(got, e.take(key), tol, key);
  if (e.has('svd_rank_r_fro_error')) closeScalar(dist.svdRankRFroError, e.take('svd_rank_r_fro_error'), tol, 'svd_rank_r_fro_error');
  vec('col_norms', dist.colNorms);
  vec('row_norms', dist.rowNorms);
  vec('col_prob_norm', dist.colProbNorm);
  vec('col_prob_norm_sq', dist.colProbNormSq);
  vec('row_prob_norm', dist.rowProbNorm);
  vec('row_prob_norm_sq', dist.rowProbNormSq);
  vec('col_leverage_gamma_r', dist.colLeverage);
  vec('row_leverage_gamma_r', dist.rowLeverage);
  const methods = e.sub('methods');
  for (const rule of methods.keys()) {
    assert.ok((CUR_RULES as readonly string[]).includes(rule), `unknown CUR selection rule "${rule}"`);
    const m = methods.sub(rule);
    const res = curWithSelection(M, curSelect(M, r, rule as CurRule));
    sameIndices(res.cols, m.take('cols'), `${rule}.cols`);
    sameIndices(res.rows, m.take('rows'), `${rule}.rows`);
    // U_intersection is the pinv of a possibly ill-conditioned W: scale the tolerance by cond(W).
    const condTol = { ...tol, rel_fro: (tol.rel_fro ?? 1e-8) * Math.max(1, res.condW) };
    if (m.has('U_opt')) closeArray(res.Uopt, m.take('U_opt'), tol, `${rule}.U_opt`);
    if (m.has('fro_error_U_opt')) closeScalar(res.froErrorUopt, m.take('fro_error_U_opt'), tol, `${rule}.fro_error_U_opt`);
    if (m.has('U_intersection')) closeArray(res.Uintersection, m.take('U_intersection'), condTol, `${rule}.U_intersection`);
    if (m.has('fro_error_U_intersection')) closeScalar(res.froErrorUintersection, m.take('fro_error_U_intersection'), condTol, `${rule}.fro_error_U_intersection`);
    if (m.has('cond_W')) closeScalar(res.condW, m.take('cond_W'), condTol, `${rule}.cond_W`);
    // Invariants: U_opt is optimal for its C and R, and nothing beats the SVD.
    const slack = 1e-9 * (froNorm(M) || 1);
    assert.ok(res.froErrorUopt <= res.froErrorUintersection + slack, `${rule}: err(U_opt) ≤ err(U_intersection)`);
    assert.ok(res.froErrorUopt >= dist.svdRankRFroError - slack, `${rule}: err ≥ SVD rank-r error`);
  }
  for (const lev of [dist.colLeverage, dist.rowLeverage]) {
    assert.ok(lev.every((x) => x >= -1e-12 && x <= 1 + 1e-12), 'leverage scores in [0,1]');
    closeScalar(lev.reduce((a, b) => a + b, 0), Math.min(r, M.rows, M.cols), { abs: 1e-9 }, 'leverage scores sum to γ = r');
  }
}

// ---------------------------------------------------------------- topk
function checkThre(name: string, got: ThreResult, f: Fields, tol: Tol, k: number): void {
  closeArray(got.p, f.take('p'), tol, `${name}.p`);
  if (f.has('lambda_well_conditioned')) assert.equal(got.wellConditioned, f.take('lambda_well_conditioned'), `${name}.lambda_well_conditioned`);
  if (f.has('lambda')) {
    const lam = f.take('lambda');
    if (lam !== null) closeScalar(got.lambda, lam, tol, `${name}.lambda`, 'abs_lambda');
    else assert.equal(got.wellConditioned, false, `${name}.lambda is null only when λ is ill-conditioned`);
  }
  if (f.has('saturated_count_m')) assert.equal(got.saturatedCount, f.take('saturated_count_m'), `${name}.saturated_count_m`);
  if (f.has('dlambda_dx')) {
    const d = f.take('dlambda_dx');
    if (d !== null) closeArray(got.dlambda, d, tol, `${name}.dlambda_dx`);
    else assert.equal(got.wellConditioned, false, `${name}.dlambda_dx is null only when λ is ill-conditioned`);
  }
  closeScalar(got.p.reduce((a, b) => a + b, 0), k, { abs: 1e-9 }, `${name}: Σp = k`);
  assert.ok(got.p.every((v) => v >= 0 && v <= 1), `${name}: p in [0,1]`);
}

function checkTopk({ input, expected: e, tol }: CaseContext): void {
  const x = asVector(input.take('x'), 'x');
  const k = asInt(input.take('k'), 'k');
  const tau = input.num('tau');
  validateTopk(x, k, tau);
  const z = x.map((v) => v / tau);
  if (e.has('hard_topk')) {
    const exp = e.take('hard_topk');
    const got = hardTopk(z, k);
    if (exp === null) assert.equal(got, null, 'hard_topk: expected a tie at the k-th place');
    else assert.deepEqual(got, exp, 'hard_topk');
  }
  for (const name of ['iter_su', 'iter_weighted'] as const) {
    if (!e.has(name)) continue;
    const f = e.sub(name);
    const got = name === 'iter_su' ? iterSu(z, k) : iterWeighted(z, k);
    const stable = f.optional('float64_stable');
    if (stable !== undefined) assert.equal(got.float64Stable, stable, `${name}.float64_stable`);
    const p = f.take('p');
    if (p !== null) closeArray(got.p, p, tol, `${name}.p`);
    const hp = f.optional('p_high_precision');
    if (hp !== undefined) {
      // 60-digit reference values: the careful float64 pass must reach them.
      const hpv = asVector((hp as unknown[]).map((v) => (typeof v === 'string' ? Number(v) : v)), `${name}.p_high_precision`);
      closeArray(got.p, hpv, tol, `${name}.p vs p_high_precision`);
    }
    assert.ok(p !== null || hp !== undefined, `${name}: neither p nor p_high_precision given`);
    closeScalar(got.p.reduce((a, b) => a + b, 0), k, { abs: 1e-9 }, `${name}: Σp = k`);
  }
  if (e.has('grad')) {
    const f = e.sub('grad');
    const got = gradTopk(z, k);
    closeArray(got.p, f.take('p'), tol, 'grad.p');
    if (f.has('log_Z_k')) closeScalar(got.logZk, f.take('log_Z_k'), { ...tol, rel: 1e-12 }, 'grad.log_Z_k');
    if (f.has('blog_recursion_agrees_1e-6')) assert.equal(got.blogRecursionAgrees, f.take('blog_recursion_agrees_1e-6'), 'grad.blog_recursion_agrees_1e-6');
    closeScalar(got.p.reduce((a, b) => a + b, 0), k, { abs: 1e-9 }, 'grad: Σp = k');
    assert.ok(got.p.every((v) => v >= 0 && v <= 1), 'grad: p in [0,1]');
    for (let i = 0; i < z.length; i++)
      for (let j = 0; j < z.length; j++) if (z[i] > z[j]) assert.ok(got.p[i] >= got.p[j] - 1e-12, 'grad keeps the order of x');
  }
  const thre = { thre_exp: threExp, thre_sigmoid: threSigmoid, thre_smooth: threSmooth } as const;
  for (const [name, fn] of Object.entries(thre)) if (e.has(name)) checkThre(name, fn(z, k), e.sub(name), tol, k);
}

// ---------------------------------------------------------------- msign
function scheduleFor(name: string, file: Record<string, unknown>): readonly Coeffs[] {
  const fromFile = (file.schedules as Record<string, unknown> | undefined)?.[name];
  const builtIn = SCHEDULES[name];
  if (builtIn && fromFile !== undefined) {
    assert.ok(Array.isArray(fromFile) && fromFile.length === builtIn.length, `schedule ${name}: length differs from ALGORITHMS.md`);
    fromFile.forEach((c, t) => closeArray(c as number[], builtIn[t] as unknown as number[], { abs: 1e-12 }, `schedule ${name} step ${t}`));
  }
  if (builtIn) return builtIn;
  assert.ok(Array.isArray(fromFile), `unknown Newton–Schulz schedule "${name}" (not in ALGORITHMS.md nor in the file)`);
  return (fromFile as number[][]).map((c) => {
    assert.ok(Array.isArray(c) && c.length === 3 && c.every(Number.isFinite), `schedule ${name}: each step needs (a,b,c)`);
    return [c[0], c[1], c[2]] as const;
  });
}

function checkMsign({ input, expected: e, tol, file }: CaseContext): void {
  const M = matrixInput(input, 'M');
  checkShape(input, M);
  const ms = msignSvd(M);
  const msExp = e.optional('msign_svd');
  if (msExp !== undefined && msExp !== null) closeArray(ms.O, msExp, tol, 'msign_svd');
  if (e.has('rank')) assert.equal(ms.rank, e.take('rank'), 'rank');
  if (e.has('singular_values_M')) closeArray(Array.from(ms.s), e.take('singular_values_M'), tol, 'singular_values_M');
  const fro = froNorm(M);
  const normalized = Array.from(ms.s, (v) => v / Math.sqrt(fro * fro + 1e-20));
  if (e.has('normalized_singular_values')) closeArray(normalized, e.take('normalized_singular_values'), tol, 'normalized_singular_values');
  const ns = e.optional('newton_schulz');
  if (ns !== undefined) {
    const nsf = e.wrap(ns, '.newton_schulz');
    for (const name of nsf.keys()) {
      const schedule = scheduleFor(name, file);
      const checkRun = (f: Fields, renorm: boolean, label: string) => {
        const X = newtonSchulz(M, schedule, { renormFirstStep: renorm }).X;
        const sv = singularValues(X);
        if (f.has('singular_values')) closeArray(Array.from(sv), f.take('singular_values'), tol, `${label}.singular_values`);
        const D = sub(X, ms.O);
        if (f.has('fro_error_vs_msign')) closeScalar(froNorm(D), f.take('fro_error_vs_msign'), tol, `${label}.fro_error_vs_msign`);
        if (f.has('spec_error_vs_msign')) closeScalar(singularValues(D)[0] ?? 0, f.take('spec_error_vs_msign'), tol, `${label}.spec_error_vs_msign`);
        const xt = f.optional('X_T');
        if (xt !== undefined && xt !== null) closeArray(X, xt, tol, `${label}.X_T`);
        if (!renorm) {
          // Invariant: svals(X_T) = |x_T(σ_i/‖M‖_F)|, a pure scalar check.
          const mapped = normalized.map((v) => Math.abs(scalarMap(v, schedule))).sort((a, b) => b - a);
          closeArray(Array.from(sv), mapped, { abs: 1e-10 }, `${label}: singular values follow the scalar map`);
        }
      };
      const f = nsf.sub(name);
      checkRun(f, false, name);
      if (f.has('renorm_first_step')) checkRun(f.sub('renorm_first_step'), true, `${name}.renorm_first_step`);
    }
  }
  // Invariants of O = msign(M): OOᵀO = O, and msign(cM) = msign(M).
  const O = ms.O;
  assert.ok(froNorm(sub(matmul(matmul(O, transpose(O)), O), O)) <= 1e-10 * Math.max(1, froNorm(O)), 'OOᵀO = O');
  const O2 = msignSvd({ ...M, data: M.data.map((v) => v * 3.5) }).O;
  assert.ok(froNorm(sub(O2, O)) <= 1e-9 * Math.max(1, froNorm(O)), 'msign(cM) = msign(M)');
}

/** msign.json's file-level scalar map, checked once per file. */
export function checkScalarMapTable(file: Record<string, unknown>): void {
  const sm = new Fields(file.scalar_map as Record<string, unknown>, 'scalar_map');
  const x0 = asVector(sm.take('x0'), 'scalar_map.x0');
  const xt = sm.sub('x_T');
  for (const name of xt.keys()) {
    const schedule = scheduleFor(name, file);
    closeArray(x0.map((v) => scalarMap(v, schedule)), xt.take(name), { abs: 1e-12 }, `scalar_map.x_T.${name}`);
  }
  sm.finish();
}

// ---------------------------------------------------------------- entropy softmax
function checkEntropy({ input, expected: e, tol }: CaseContext): void {
  if (input.has('s')) {
    const s = asVector(input.take('s'), 's');
    const n = input.has('n') ? asInt(input.take('n'), 'n') : s.length;
    const d = input.num('d');
    const kappa = input.has('kappa') ? input.num('kappa') : 1;
    for (const rule of e.keys()) {
      assert.ok(isScaleRule(rule), `unknown scale rule "${rule}"`);
      const f = e.sub(rule);
      const got = scoreSoftmax(s, scaleFor(rule, n, d, kappa), n);
      closeScalar(got.lambda, f.take('lambda'), tol, `${rule}.lambda`);
      if (f.has('p')) closeArray(got.p, f.take('p'), tol, `${rule}.p`);
      if (f.has('entropy')) closeScalar(got.entropy, f.take('entropy'), tol, `${rule}.entropy`);
      if (f.has('entropy_mean_field_approx')) closeScalar(got.meanFieldEntropy, f.take('entropy_mean_field_approx'), tol, `${rule}.entropy_mean_field_approx`);
      closeScalar(got.p.reduce((a, b) => a + b, 0), 1, { abs: 1e-12 }, 'Σp = 1');
      assert.ok(got.entropy >= -1e-12 && got.entropy <= Math.log(s.length) + 1e-12, '0 ≤ H ≤ log n');
    }
    return;
  }
  const Q = matrixInput(input, 'Q'), K = matrixInput(input, 'K');
  const d = input.num('d');
  const kappa = input.has('kappa') ? input.num('kappa') : 1;
  if (input.has('prefixes')) {
    const prefixes = asVector(input.take('prefixes'), 'prefixes');
    const byN = e.take('by_n');
    assert.ok(Array.isArray(byN) && byN.length === prefixes.length, 'by_n: one entry per prefix');
    byN.forEach((item, i) => {
      const f = e.wrap(item, `.by_n[${i}]`);
      const n = asInt(f.take('n'), 'n');
      assert.equal(n, prefixes[i], `by_n[${i}].n`);
      for (const rule of f.keys().filter((key) => key !== 'n')) {
        assert.ok(isScaleRule(rule), `unknown scale rule "${rule}"`);
        const g = f.sub(rule);
        const [res] = entropyByPrefix(Q, K, [n], (nn) => scaleFor(rule, nn, d, kappa));
        closeScalar(res.lambda, g.take('lambda'), tol, `n=${n} ${rule}.lambda`);
        closeScalar(res.meanEntropy, g.take('mean_entropy'), tol, `n=${n} ${rule}.mean_entropy`);
      }
    });
    return;
  }
  const V = input.has('V') ? matrixInput(input, 'V') : null;
  const n = K.rows;
  for (const rule of e.keys()) {
    assert.ok(isScaleRule(rule), `unknown scale rule "${rule}"`);
    const f = e.sub(rule);
    const got = attention(Q, K, V, scaleFor(rule, n, d, kappa));
    closeScalar(got.lambda, f.take('lambda'), tol, `${rule}.lambda`);
    if (f.has('weights')) closeArray(got.weights, f.take('weights'), tol, `${rule}.weights`);
    if (f.has('output')) {
      assert.ok(got.output, 'output needs V');
      closeArray(got.output, f.take('output'), tol, `${rule}.output`);
    }
    if (f.has('row_entropies')) closeArray(got.rowEntropies, f.take('row_entropies'), tol, `${rule}.row_entropies`);
    for (let i = 0; i < Q.rows; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += got.weights.data[i * n + j];
      closeScalar(sum, 1, { abs: 1e-12 }, `row ${i} sums to 1`);
    }
  }
}

export const CHECKERS: Record<string, (c: CaseContext) => void> = {
  pinv: checkPinv,
  svd: checkSvd,
  cr: checkCr,
  id: checkId,
  cur: checkCur,
  topk: checkTopk,
  msign: checkMsign,
  entropy_softmax: checkEntropy,
};

