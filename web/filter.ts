// The in-page filter of listing and search pages: include and exclude
// keywords (one per line), any include keyword by default or all of them on
// request, over each paper's title, abstract and authors. It hides cards
// already on the page and every chunk the lazy loader appends later.
// Ctrl/Cmd+F opens it; pressed again while it is open, the browser's own
// find runs (the key is left alone).
//
// Papers are matched against their text as the server sent it, read once
// when a card first appears (before a browser's page translation rewrites
// it); formulas count as their TeX source. A keyword matches at the start
// of a word ("transform" finds "transformers", "gan" does not find "organ"),
// ignoring case and accents.

/** Each card's original text, normalised for matching. */
const original = new WeakMap<HTMLElement, string>();

interface FilterState {
  include: string[];
  exclude: string[];
  all: boolean;
}

/** Lower case, accents dropped, whitespace collapsed: what matching compares. */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Text of an element with formulas as their TeX (typeset math reads as glyph soup). */
function sourceText(el: Element): string {
  let out = '';
  for (const node of el.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) out += node.textContent ?? '';
    else if (node instanceof HTMLElement) {
      if (node.classList.contains('math') && node.dataset.tex !== undefined) out += ` ${node.dataset.tex} `;
      else out += sourceText(node);
    }
  }
  return out;
}

function remember(card: HTMLElement): void {
  if (original.has(card)) return;
  const parts = [
    card.querySelector('.paper-head .paper-title'),
    card.querySelector('.authors'),
    card.querySelector('.abstract:not(.tr)'),
  ].map((el) => (el ? sourceText(el) : ''));
  original.set(card, fold(parts.join(' \n ')));
}

/** The lines of a box as keywords (blank lines dropped). */
function keywordsOf(text: string): string[] {
  return text
    .split('\n')
    .map(fold)
    .filter((k) => k.length > 0);
}

function wordStart(keyword: string): RegExp {
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'u');
}

/** Whether a card's folded text passes the filter. */
export function passes(text: string, include: readonly RegExp[], exclude: readonly RegExp[], all: boolean): boolean {
  if (exclude.some((r) => r.test(text))) return false;
  if (!include.length) return true;
  return all ? include.every((r) => r.test(text)) : include.some((r) => r.test(text));
}

function start(): void {
  const list = document.querySelector<HTMLElement>('[data-papers]');
  const head = document.querySelector<HTMLElement>('.listing-head');
  if (!list || !head) return;

  const cards = () => [...list.querySelectorAll<HTMLElement>('article.paper[data-id]')];
  if (!cards().length) return;
  for (const c of cards()) remember(c);

  const bar = document.createElement('div');
  bar.className = 'page-filter';
  // Our own controls (the XSS checks accept inputs only inside forms we mark so).
  bar.dataset.ownForm = '';
  bar.innerHTML = `
    <button type="button" class="filter-toggle" aria-expanded="false" aria-controls="page-filter-panel">Filter this page</button>
    <section id="page-filter-panel" class="filter-panel" hidden aria-label="Filter the papers on this page">
      <div class="filter-fields">
        <div>
          <label for="page-filter-include">Show papers with (one keyword per line)</label>
          <textarea id="page-filter-include" rows="3" spellcheck="false" aria-describedby="page-filter-help"></textarea>
        </div>
        <div>
          <label for="page-filter-exclude">Hide papers with (one keyword per line)</label>
          <textarea id="page-filter-exclude" rows="3" spellcheck="false" aria-describedby="page-filter-help"></textarea>
        </div>
      </div>
      <div class="filter-actions">
        <label><input type="checkbox" id="page-filter-all"> Only papers with every “show” keyword (AND)</label>
        <button type="button" data-filter-clear>Clear</button>
        <button type="button" data-filter-close>Close</button>
        <span class="filter-count" role="status" aria-live="polite"></span>
      </div>
      <p id="page-filter-help" class="filter-help">Looks in titles, abstracts and authors, at the start of words, ignoring case.
        Papers loaded further down are filtered too. Press Ctrl+F (⌘F) again for your browser’s own find.</p>
    </section>`;
  head.append(bar);

  const toggle = bar.querySelector<HTMLButtonElement>('.filter-toggle')!;
  const panel = bar.querySelector<HTMLElement>('.filter-panel')!;
  const include = bar.querySelector<HTMLTextAreaElement>('#page-filter-include')!;
  const exclude = bar.querySelector<HTMLTextAreaElement>('#page-filter-exclude')!;
  const all = bar.querySelector<HTMLInputElement>('#page-filter-all')!;
  const count = bar.querySelector<HTMLElement>('.filter-count')!;

  const state = (): FilterState => ({ include: keywordsOf(include.value), exclude: keywordsOf(exclude.value), all: all.checked });

  function apply(): void {
    const s = state();
    const inc = s.include.map(wordStart);
    const exc = s.exclude.map(wordStart);
    const active = inc.length + exc.length > 0;
    let shown = 0;
    const every = cards();
    for (const card of every) {
      remember(card);
      const ok = !active || passes(original.get(card) ?? '', inc, exc, s.all);
      card.hidden = !ok;
      if (ok) shown++;
    }
    const text = `${shown} of ${every.length} shown`;
    count.textContent = text;
    toggle.textContent = active ? `Filter this page (${text})` : 'Filter this page';
    bar.classList.toggle('active', active);
  }

  function open(): void {
    panel.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    include.focus();
  }

  function close(): void {
    panel.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  };
  include.addEventListener('input', soon);
  exclude.addEventListener('input', soon);
  all.addEventListener('change', apply);
  toggle.addEventListener('click', () => (panel.hidden ? open() : close()));
  bar.querySelector('[data-filter-close]')!.addEventListener('click', close);
  bar.querySelector('[data-filter-clear]')!.addEventListener('click', () => {
    include.value = '';
    exclude.value = '';
    all.checked = false;
    apply();
    include.focus();
  });
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });

  // Ctrl/Cmd+F: the first press opens the filter; with it open, the browser finds.
  document.addEventListener('keydown', (e) => {
    if (e.key.toLowerCase() !== 'f' || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    if (!panel.hidden) return;
    e.preventDefault();
    open();
  });

  document.addEventListener('papers:chunk', (e) => {
    const chunk = (e as CustomEvent<{ chunk: HTMLElement }>).detail.chunk;
    // Read before anything (a page translator) rewrites the new cards.
    for (const card of chunk.querySelectorAll<HTMLElement>('article.paper[data-id]')) remember(card);
    apply();
  });

  apply();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
