// Entry point of every /demos/<name> page: reads the form, runs the demo's job (inline or in
// the worker), draws the plots and tables, and re-runs whenever an input changes.
import { type Mat } from './core/matrix.ts';
import { randomMatrix, parseMatrixText, parseVectorText, LOW_RANK_CURVES, LOW_RANK_LABELS, type LowRankReport, type TopkReport, type MsignReport, type EntropyReport } from './compute.ts';
import { TOPK_LABELS, TOPK_METHODS, SCHEDULE_LABELS, type TopkMethod, type RandomMatrixSpec } from '../../lib/demos.ts';
import type { Job, JobResult } from './jobs.ts';
import { run } from './ui/runner.ts';
import { drawPlot, PALETTE } from './ui/plot.ts';
import { formValues, numberField, table, fmt, list } from './ui/dom.ts';

interface Demo {
  job(v: Record<string, string>): Job;
  render(result: JobResult, v: Record<string, string>): void;
}

const root = document.querySelector<HTMLElement>('[data-demo]');
if (root) start(root);

function start(article: HTMLElement): void {
  const form = article.querySelector<HTMLFormElement>('form[data-role=input]')!;
  const status = article.querySelector<HTMLElement>('[data-role=status]')!;
  const tables = article.querySelector<HTMLElement>('[data-role=tables]')!;
  const plot = (name: string) => article.querySelector<HTMLElement>(`[data-plot="${name}"]`)!;
  const demos: Record<string, Demo> = {
    'low-rank': lowRank(plot, tables),
    topk: topk(plot, tables),
    msign: msign(plot, tables),
    'entropy-softmax': entropy(plot, tables),
  };
  const demo = demos[article.dataset.demo ?? ''];
  if (!demo) return;
  let runs = 0;

  const go = async () => {
    const v = formValues(form);
    let job: Job;
    try {
      job = demo.job(v);
    } catch (err) {
      showError(err);
      return;
    }
    status.classList.remove('error');
    status.textContent = 'computing…';
    try {
      const out = await run(job);
      if (!out) return;
      demo.render(out.result, v);
      runs++;
      article.dataset.runs = String(runs);
      status.textContent = `computed in ${out.ms.toFixed(1)} ms (${out.where})`;
    } catch (err) {
      showError(err);
    }
  };
  const showError = (err: unknown) => {
    status.classList.add('error');
    status.textContent = err instanceof Error ? err.message : String(err);
    runs++;
    article.dataset.runs = String(runs);
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(go, 120);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go();
  });
  form.querySelector('[data-role=randomize]')?.addEventListener('click', () => {
    const x = form.elements.namedItem('x') as HTMLInputElement;
    const n = Math.max(2, x.value.trim().split(/[\s,;]+/).length);
    x.value = Array.from({ length: n }, () => (Math.random() * 4 - 2).toFixed(2)).join(' ');
    go();
  });
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(go, 250);
  });
  go();
}

function matrixFrom(v: Record<string, string>): Mat {
  if (v.source === 'pasted') return parseMatrixText(v.matrix ?? '');
  const spec: RandomMatrixSpec = {
    rows: numberField(v, 'rows', 'rows'),
    cols: numberField(v, 'cols', 'columns'),
    rank: numberField(v, 'rank', 'rank'),
    decay: numberField(v, 'decay', 'decay'),
    noise: numberField(v, 'noise', 'noise'),
    seed: numberField(v, 'seed', 'seed'),
  };
  return randomMatrix(spec);
}

function replace(el: HTMLElement, ...children: HTMLElement[]): void {
  el.replaceChildren(...children);
}

// ------------------------------------------------------------------ low-rank

function lowRank(plot: (n: string) => HTMLElement, tables: HTMLElement): Demo {
  return {
    job: (v) => {
      const A = matrixFrom(v);
      const r = numberField(v, 'r', 'rank r');
      if (!Number.isInteger(r) || r < 1) throw new Error('rank r must be a positive whole number');
      return { kind: 'lowRank', A, r };
    },
    render: (res) => {
      const R = res as LowRankReport;
      drawPlot(plot('spectrum'), {
        x: R.s.map((_, i) => i + 1),
        series: [{ label: 'σᵢ', values: R.s }],
        xLabel: 'i',
        yLabel: 'σᵢ',
        yLog: true,
      });
      drawPlot(plot('errors'), {
        x: R.ranks,
        series: LOW_RANK_CURVES.map((c, i) => ({ label: LOW_RANK_LABELS[c], values: R.errors[c], color: PALETTE[i], width: c === 'svd' ? 2.6 : 1.5, dash: c.startsWith('cr') })),
        xLabel: 'rank r',
        yLabel: 'Frobenius error',
        yLog: true,
      });
      const p = R.pinv;
      const a = R.atRank;
      replace(
        tables,
        table(`Pseudo-inverse of the ${R.rows}×${R.cols} matrix`, ['quantity', 'value'], [
          ['kept rank (σ above the cut-off)', String(p.rank)],
          ['numerical rank', String(R.numericalRank)],
          ['σ₁ / σ_rank', p.condKept],
          ['‖AXA − A‖ / ‖A‖', p.identities[0]],
          ['‖XAX − X‖ / ‖X‖', p.identities[1]],
          ['‖(AX)ᵀ − AX‖ / ‖AX‖', p.identities[2]],
          ['‖(XA)ᵀ − XA‖ / ‖XA‖', p.identities[3]],
          ['rank kept by the AᵀA eigen route', Number.isNaN(p.eigenRouteRank) ? '— (too large)' : String(p.eigenRouteRank)],
          ['‖X_eigen − X_svd‖ / ‖X_svd‖', p.eigenRouteRelDiff],
          ...p.ridge.map((x) => [`‖(AᵀA+εI)⁻¹Aᵀ − A†‖, ε = ${fmt(x.eps)}`, x.dist] as (string | number)[]),
        ]),
        table(`At rank r = ${a.r} (SVD floor ${fmt(a.svdError)})`, ['method', 'columns', 'rows', 'error', 'note'], [
          ['ID, pivoted QR', list(a.idSkeleton), '', R.errors.id[R.ranks.indexOf(a.r)] ?? NaN, `max |P| = ${fmt(a.idMaxAbsProj)}`],
          ...a.randomizedId.map((x) => [x.label, list(x.skeleton), '', x.froError, 'Z = C⁺M'] as (string | number)[]),
          ['CR of M·I, top r', list(a.crTop), '', R.errors.cr_top[R.ranks.indexOf(a.r)] ?? NaN, 'columns of largest norm'],
          ...a.cur.flatMap((c) => [
            [`CUR, ${c.rule}, U = C⁺MR⁺`, list(c.cols), list(c.rows), c.errOpt, ''],
            [`CUR, ${c.rule}, U = W⁺`, '', '', c.errInt, `cond(W) = ${fmt(c.condW)}`],
          ]),
        ]),
      );
    },
  };
}

// ------------------------------------------------------------------ Top-k

function topk(plot: (n: string) => HTMLElement, tables: HTMLElement): Demo {
  return {
    job: (v) => {
      const x = parseVectorText(v.x ?? '');
      const k = numberField(v, 'k', 'k');
      const tau = numberField(v, 'tau', 'temperature τ');
      return { kind: 'topk', x, k, tau };
    },
    render: (res, v) => {
      const R = res as TopkReport;
      const method = (TOPK_METHODS as readonly string[]).includes(v.method) ? (v.method as TopkMethod) : 'grad';
      // At most 24 lines: the largest entries first.
      const order = R.x.map((_, i) => i).sort((a, b) => R.x[b] - R.x[a]).slice(0, 24);
      drawPlot(plot('entries'), {
        x: R.taus,
        series: order.map((i, j) => ({ label: `p${i} (x=${fmt(R.x[i], 3)})`, values: R.entries[method][i], color: PALETTE[j % PALETTE.length] })),
        xLabel: 'τ',
        yLabel: `p, ${TOPK_LABELS[method]}`,
        xLog: 10,
      });
      drawPlot(plot('mass'), {
        x: R.taus,
        series: R.mass
          ? TOPK_METHODS.map((m) => ({ label: TOPK_LABELS[m], values: R.mass![m] }))
          : [{ label: 'tie at the k-th place: no unique top k', values: R.taus.map(() => null) }],
        xLabel: 'τ',
        yLabel: 'Σ p over the true top k',
        xLog: 10,
      });
      const head = ['i', 'x', 'hard', ...TOPK_METHODS.map((m) => TOPK_LABELS[m])];
      const rows = R.x.map((xi, i) => [String(i), xi, R.hard ? String(R.hard[i]) : 'tie', ...TOPK_METHODS.map((m) => R.at[m].p[i])]);
      rows.push(['Σ', '', String(R.k), ...TOPK_METHODS.map((m) => R.at[m].p.reduce((a, b) => a + b, 0))]);
      rows.push(['λ', '', '', ...TOPK_METHODS.map((m) => (R.at[m].lambda === null ? '—' : fmt(R.at[m].lambda)))]);
      const notes = TOPK_METHODS.filter((m) => R.at[m].note).map((m) => `${TOPK_LABELS[m]}: ${R.at[m].note}`);
      const t = table(`Outputs at τ = ${fmt(R.tau)}, k = ${R.k}`, head, rows);
      if (notes.length) {
        const p = document.createElement('p');
        p.className = 'note';
        p.textContent = notes.join('; ');
        t.append(p);
      }
      replace(tables, t);
    },
  };
}

// ------------------------------------------------------------------ msign

function msign(plot: (n: string) => HTMLElement, tables: HTMLElement): Demo {
  return {
    job: (v) => ({ kind: 'msign', M: matrixFrom(v), schedule: v.schedule in SCHEDULE_LABELS ? v.schedule : 'muon_keller_jordan_T5', renorm: v.renorm === 'on' }),
    render: (res) => {
      const R = res as MsignReport;
      drawPlot(plot('maps'), {
        x: R.grid,
        series: [
          { label: 'x₀ (identity)', values: R.grid, color: '#9e9e9e', dash: true },
          ...R.curves.map((c, t) => ({ label: `after step ${t + 1}`, values: c, color: PALETTE[t % PALETTE.length], width: t === R.curves.length - 1 ? 2.6 : 1.3 })),
        ],
        xLabel: 'x₀ = σ/‖M‖_F',
        yLabel: 'xₜ',
        xLog: 10,
      });
      const count = R.normalized.length;
      const picks = Array.from(new Set(Array.from({ length: Math.min(12, count) }, (_, j) => Math.round((j * (count - 1)) / Math.max(1, Math.min(12, count) - 1)))));
      drawPlot(plot('steps'), {
        x: R.steps.map((_, t) => t),
        series: picks.map((i, j) => ({ label: `σ${i + 1}`, values: R.steps.map((sv) => sv[i] ?? null), color: PALETTE[j % PALETTE.length] })),
        xLabel: 'step t',
        yLabel: 'σᵢ(Xₜ)',
        yLog: true,
      });
      replace(
        tables,
        table(`X_T against msign(M) (rank ${R.rank})${R.renorm ? ', first step rescaled' : ''}`, ['schedule', '‖X_T − msign(M)‖_F', 'smallest σ(X_T)', 'largest σ(X_T)'], R.froErrors.map((f) => [SCHEDULE_LABELS[f.schedule] ?? f.schedule, f.fro, f.minSv, f.maxSv])),
      );
    },
  };
}

// ------------------------------------------------------------------ entropy softmax

function entropy(plot: (n: string) => HTMLElement, tables: HTMLElement): Demo {
  return {
    job: (v) => ({
      kind: 'entropy',
      spec: { d: numberField(v, 'd', 'd'), maxN: numberField(v, 'maxN', 'longest n'), queries: numberField(v, 'queries', 'queries'), kappa: numberField(v, 'kappa', 'κ'), seed: numberField(v, 'seed', 'seed') },
    }),
    render: (res) => {
      const R = res as EntropyReport;
      drawPlot(plot('entropy'), {
        x: R.ns,
        series: [...R.curves.map((c) => ({ label: c.label, values: c.entropies })), { label: 'log n', values: R.logN, color: '#9e9e9e', dash: true }],
        xLabel: 'n (keys attended)',
        yLabel: 'mean entropy',
        xLog: 2,
      });
      replace(
        tables,
        table('Mean entropy by n', ['rule', ...R.ns.map((n) => `n=${n}`)], R.curves.map((c) => [c.label, ...c.entropies])),
        table('Scale λ by n', ['rule', ...R.ns.map((n) => `n=${n}`)], R.curves.map((c) => [c.label, ...c.lambdas])),
      );
    },
  };
}
