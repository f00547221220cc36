// The demo families, their stored related-paper queries, and the text patterns that
// tie a paper to a demo. Pure: the demo pages and the paper page both use it.

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
