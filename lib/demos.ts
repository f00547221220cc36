// What the demos are, shared by the server (which renders their pages and
// JSON twins) and the browser code that runs them (web/demos/): the demo
// families and the patterns tying papers to them, input limits, defaults,
// and the names of methods and schedules. Pure data and small functions.

export interface DemoTopic {
  name: string;
  title: string;
  summary: string;
  /** Stored query run through our own search engine for "related papers". */
  relatedQuery: string;
  /** Matches a paper's title or abstract that is about this demo's topic. */
  pattern: RegExp;
}

export const DEMO_TOPICS: readonly DemoTopic[] = [
  {
    name: 'low-rank',
    title: 'Low-rank approximation: pseudo-inverse, SVD, CR, ID and CUR',
    summary: 'Five ways to replace a matrix by something of rank r, and how far each lands from the SVD optimum.',
    relatedQuery: 'low rank matrix approximation',
    pattern: /\blow[- ]rank (?:approximation|matri|factori[sz]ation|decomposition)|pseudo[- ]?inverse|Moore[- ]Penrose|singular value decomposition|Eckart[- ]Young|\bCUR (?:decomposition|approximation)|interpolative decomposition|column subset selection|Nystr[oö]m (?:method|approximation)/i,
  },
  {
    name: 'topk',
    title: 'Smooth Top-k: six soft versions of “keep the k largest”',
    summary: 'Iterative, gradient and threshold constructions of a differentiable Top-k, swept over the temperature.',
    relatedQuery: 'differentiable top-k',
    pattern: /\b(?:differentiable|soft|smooth|relaxed)[- ]top[- ]?k\b|\btop[- ]?k (?:operator|relaxation|selection|mask|gating)|differentiable (?:sorting|ranking|subset selection)|sparsemax/i,
  },
  {
    name: 'msign',
    title: 'msign and the Newton–Schulz iteration',
    summary: 'Orthogonalising a matrix with odd polynomials, step by step, for seven coefficient schedules.',
    relatedQuery: 'Newton-Schulz orthogonalization',
    pattern: /Newton[- –]Schulz|\bMuon\b|matrix sign function|polar decomposition|orthogonali[sz]ed (?:update|gradient|momentum)/i,
  },
  {
    name: 'entropy-softmax',
    title: 'Entropy-invariant softmax: scaling attention by log n',
    summary: 'Why multiplying attention logits by log n keeps the attention entropy steady as the context grows.',
    relatedQuery: 'attention entropy length extrapolation',
    pattern: /attention entropy|entropy[- ]invariant|length (?:extrapolation|generali[sz]ation)|log[- ]?n (?:scaling|attention)|softmax (?:temperature|scaling)|scaled[- ]dot[- ]product attention/i,
  },
];

export function demoUrl(name: string): string {
  return `/demos/${name}`;
}

export function findDemo(name: string): DemoTopic | undefined {
  return DEMO_TOPICS.find((d) => d.name === name);
}

/** The demos whose topic a paper's title or abstract is about (for links from the paper page). */
export function demosForPaper(title: string, abstract: string): { name: string; title: string; url: string }[] {
  const text = `${title ?? ''}\n${abstract ?? ''}`;
  return DEMO_TOPICS.filter((d) => d.pattern.test(text)).map((d) => ({ name: d.name, title: d.title, url: demoUrl(d.name) }));
}

// ------------------------------------------------------------------ inputs

/** Largest matrix side and Top-k input the pages accept. */
export const LIMITS = { maxDim: 400, maxTopkN: 200 };

export interface RandomMatrixSpec {
  rows: number;
  cols: number;
  rank: number;
  decay: number;
  noise: number;
  seed: number;
}

export interface EntropySpec {
  d: number;
  maxN: number;
  queries: number;
  kappa: number;
  seed: number;
}

// ------------------------------------------------------------------ method names

export const TOPK_METHODS = ['iter_su', 'iter_weighted', 'grad', 'thre_exp', 'thre_sigmoid', 'thre_smooth'] as const;
export type TopkMethod = (typeof TOPK_METHODS)[number];

export const TOPK_LABELS: Record<TopkMethod, string> = {
  iter_su: 'Su iterative (soft-k-max)',
  iter_weighted: 'weighted-softmax iteration',
  grad: 'GradTopK',
  thre_exp: 'threshold, min(1, eᵗ)',
  thre_sigmoid: 'threshold, sigmoid',
  thre_smooth: 'threshold, smooth f',
};

export const SCHEDULE_LABELS: Record<string, string> = {
  muon_keller_jordan_T5: 'Keller Jordan (Muon), 5 steps',
  su_shared_T5: 'Su, one shared triple, 5 steps',
  youjiacheng_T6: 'YouJiacheng, per step, 6 steps',
  su_ours_x_k50_T6: 'Su per-step fit (top-50), 6 steps',
  su_ours_x2_k200_T6: 'Su per-step fit (top-200), 6 steps',
  su_ours_x3_T5: 'Su per-step fit, 5 steps',
  'cubic_1.5_-0.5_T10': 'textbook cubic (1.5, −0.5), 10 steps',
};

// ------------------------------------------------------------------ defaults

export const DEFAULTS = {
  lowRank: { rows: 60, cols: 40, rank: 12, decay: 0.75, noise: 0.001, seed: 7, r: 5 } as RandomMatrixSpec & { r: number },
  topk: { x: [0.3, 1.2, -0.4, 0.9, 0.1, 0.7, -1.1, 0.5], k: 3, tau: 0.3 },
  msign: { rows: 40, cols: 30, rank: 30, decay: 0.85, noise: 0, seed: 3, schedule: 'muon_keller_jordan_T5', renorm: false } as RandomMatrixSpec & { schedule: string; renorm: boolean },
  entropy: { d: 64, maxN: 1024, queries: 8, kappa: 1, seed: 1 } as EntropySpec,
};
