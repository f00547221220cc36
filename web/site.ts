// Behaviour every page shares: stars (a reading list kept in localStorage, no
// account), remembered keywords, copy-as-BibTeX, copying formulas as TeX, and
// the original / translated / side-by-side toggle. Event delegation, so papers
// appended by the lazy loader work without re-binding.

const STARS_KEY = 'papers.stars';
const KEYWORDS_KEY = 'papers.keywords';

function readStars(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(STARS_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function writeStars(ids: string[]): void {
  localStorage.setItem(STARS_KEY, JSON.stringify(ids));
}

function starsUrl(ids: string[]): string {
  return ids.length ? `/stars?ids=${ids.map(encodeURIComponent).join(',')}` : '/stars';
}

function paintStars(root: ParentNode = document): void {
  const stars = new Set(readStars());
  for (const b of root.querySelectorAll<HTMLButtonElement>('button[data-star]')) {
    const on = stars.has(b.dataset.star ?? '');
    b.setAttribute('aria-pressed', String(on));
    b.title = on ? 'Remove from reading list' : 'Add to reading list';
    const glyph = b.querySelector('[aria-hidden]');
    if (glyph) glyph.textContent = on ? '★' : '☆';
  }
  const ids = readStars();
  for (const el of document.querySelectorAll<HTMLElement>('[data-star-count]')) el.textContent = ids.length ? `(${ids.length})` : '';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('a.stars-link')) a.href = starsUrl(ids);
  const exportLink = document.querySelector<HTMLAnchorElement>('a[data-export-link]');
  if (exportLink) {
    exportLink.href = starsUrl(ids);
    exportLink.textContent = new URL(starsUrl(ids), location.href).href;
  }
  const exportJson = document.querySelector<HTMLAnchorElement>('a[data-export-json]');
  if (exportJson) exportJson.href = '/api' + starsUrl(ids);
}

function toggleStar(id: string): void {
  const ids = readStars();
  const i = ids.indexOf(id);
  if (i >= 0) ids.splice(i, 1);
  else ids.push(id);
  writeStars(ids);
  paintStars();
}

/** The reading-list page without ids shows this browser's list. */
function openOwnList(): void {
  const page = document.querySelector<HTMLElement>('[data-stars-page]');
  if (!page || page.dataset.ids) return;
  const ids = readStars();
  if (ids.length) location.replace(starsUrl(ids));
}

// ---------- keywords ----------

/**
 * A listing's "my keywords": remembered in this browser when they rank a
 * list, re-applied when a listing is opened without a chosen order, and
 * forgotten with the button next to them. Apply and Enter both rank by
 * keywords the reader has just typed (unless they picked another order).
 */
function setupKeywords(): void {
  const input = document.querySelector<HTMLInputElement>('form.sort input[data-keywords]');
  const form = input?.form;
  const sort = form?.querySelector<HTMLSelectElement>('select[name=sort]');
  if (!input || !form || !sort) return;
  const stored = localStorage.getItem(KEYWORDS_KEY)?.trim() ?? '';
  const here = new URL(location.href);
  if (stored && !here.searchParams.has('sort')) {
    here.searchParams.set('sort', 'keywords');
    here.searchParams.set('kw', stored);
    here.searchParams.delete('offset');
    location.replace(here.href);
    return;
  }
  if (!input.value) input.value = stored;
  let typed = false;
  let picked = false;
  input.addEventListener('input', () => (typed = true));
  sort.addEventListener('change', () => (picked = true));
  form.addEventListener('submit', () => {
    const kw = input.value.trim();
    if (kw && typed && !picked) sort.value = 'keywords';
    if (sort.value !== 'keywords') return;
    if (kw) localStorage.setItem(KEYWORDS_KEY, kw);
    else localStorage.removeItem(KEYWORDS_KEY);
  });
  const forget = form.querySelector<HTMLButtonElement>('button[data-forget-keywords]');
  if (!forget) return;
  forget.hidden = !stored;
  forget.addEventListener('click', () => {
    localStorage.removeItem(KEYWORDS_KEY);
    const url = new URL(form.action);
    const date = here.searchParams.get('date');
    if (date) url.searchParams.set('date', date);
    url.searchParams.set('sort', 'arxiv');
    location.assign(url.href);
  });
}

// ---------- copying ----------

async function copyText(text: string, button: HTMLElement): Promise<void> {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the text below';
    document.querySelector<HTMLDetailsElement>('details.bibtex')?.setAttribute('open', '');
  }
  setTimeout(() => (button.textContent = label), 1500);
}

/** Copying a selection that contains typeset formulas puts their TeX on the clipboard. */
function onCopy(e: ClipboardEvent): void {
  const sel = document.getSelection();
  if (!sel || sel.isCollapsed || !e.clipboardData) return;
  const holder = document.createElement('div');
  for (let i = 0; i < sel.rangeCount; i++) holder.append(sel.getRangeAt(i).cloneContents());
  const maths = holder.querySelectorAll<HTMLElement>('.math[data-tex]');
  if (!maths.length) return;
  for (const m of maths) {
    const tex = m.dataset.tex ?? '';
    m.replaceWith(m.classList.contains('math-display') ? `$$${tex}$$` : `$${tex}$`);
  }
  e.clipboardData.setData('text/plain', (holder.textContent ?? '').replace(/\s+/g, ' ').trim());
  e.preventDefault();
}

// ---------- translation toggle ----------

type View = 'original' | 'translated' | 'both';

interface TranslatedPaper {
  titleHtml: string;
  abstractHtml: string;
}

function papersInScope(toggle: HTMLElement): HTMLElement[] {
  if (toggle.dataset.scope === 'paper') {
    const p = toggle.closest<HTMLElement>('article.paper');
    return p ? [p] : [];
  }
  return [...document.querySelectorAll<HTMLElement>('article.paper[data-id]')];
}

function setStatus(toggle: HTMLElement, text: string): void {
  const s = toggle.querySelector('.tr-status');
  if (s) s.textContent = text;
}

async function fetchTranslations(toggle: HTMLElement, papers: HTMLElement[]): Promise<void> {
  const todo = papers.filter((p) => p.dataset.translated !== '1' && p.dataset.id);
  for (let i = 0; i < todo.length; i += 25) {
    const batch = todo.slice(i, i + 25);
    setStatus(toggle, 'Translating…');
    const res = await fetch(`/api/translate?lang=${encodeURIComponent(toggle.dataset.lang ?? '')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: batch.map((p) => p.dataset.id) }),
    });
    const body = (await res.json()) as { papers?: Record<string, TranslatedPaper>; error?: string };
    if (!res.ok || !body.papers) throw new Error(body.error ?? `HTTP ${res.status}`);
    for (const p of batch) {
      const t = body.papers[p.dataset.id ?? ''];
      if (!t) continue;
      const title = p.querySelector<HTMLElement>('[data-tr=title]');
      const abs = p.querySelector<HTMLElement>('[data-tr=abstract]');
      // Server-rendered: prose escaped, formulas typeset by our MathJax.
      if (title) {
        title.innerHTML = t.titleHtml;
        title.hidden = false;
      }
      if (abs) {
        abs.innerHTML = t.abstractHtml;
        abs.hidden = false;
      }
      p.dataset.translated = '1';
    }
  }
  setStatus(toggle, '');
}

async function setView(toggle: HTMLElement, view: View): Promise<void> {
  if (view !== 'original') {
    try {
      await fetchTranslations(toggle, papersInScope(toggle));
    } catch (err) {
      setStatus(toggle, `Translation failed: ${(err as Error).message}`);
      return;
    }
  }
  document.body.dataset.view = view;
  for (const b of toggle.querySelectorAll<HTMLButtonElement>('button[data-view]')) {
    b.setAttribute('aria-pressed', String(b.dataset.view === view));
  }
}

function currentToggle(): HTMLElement | null {
  return document.querySelector<HTMLElement>('.translate-toggle[data-enabled="1"]');
}

// ---------- wiring ----------

document.addEventListener('click', (e) => {
  const target = e.target as HTMLElement | null;
  const star = target?.closest<HTMLButtonElement>('button[data-star]');
  if (star?.dataset.star) {
    toggleStar(star.dataset.star);
    return;
  }
  const copy = target?.closest<HTMLButtonElement>('button[data-copy-target]');
  if (copy) {
    const src = document.getElementById(copy.dataset.copyTarget ?? '');
    if (src) void copyText(src.textContent ?? '', copy);
    return;
  }
  const viewButton = target?.closest<HTMLButtonElement>('.translate-toggle button[data-view]');
  if (viewButton && !viewButton.disabled) {
    const toggle = viewButton.closest<HTMLElement>('.translate-toggle')!;
    void setView(toggle, viewButton.dataset.view as View);
  }
});

document.addEventListener('copy', onCopy);

document.addEventListener('papers:chunk', (e) => {
  const chunk = (e as CustomEvent<{ chunk: HTMLElement }>).detail.chunk;
  paintStars(chunk);
  const view = document.body.dataset.view;
  const toggle = currentToggle();
  if (toggle && (view === 'translated' || view === 'both')) {
    fetchTranslations(toggle, [...chunk.querySelectorAll<HTMLElement>('article.paper[data-id]')]).catch((err: Error) =>
      setStatus(toggle, `Translation failed: ${err.message}`),
    );
  }
});

/**
 * Formulas a busy listing sent as source (class math-pending) are typeset by
 * the server one at a time, in page order, and swapped in; the page is
 * readable meanwhile. The markup comes from our own typesetter (safe by construction).
 */
let pendingRun: Promise<void> = Promise.resolve();
function typesetPending(root: ParentNode = document): void {
  const spans = [...root.querySelectorAll<HTMLElement>('.math-pending[data-tex]')];
  if (!spans.length) return;
  pendingRun = pendingRun.then(async () => {
    for (const span of spans) {
      if (!span.isConnected) continue;
      const display = span.classList.contains('math-display') ? '1' : '0';
      try {
        const res = await fetch(`/api/math?tex=${encodeURIComponent(span.dataset.tex!)}&display=${display}`);
        if (!res.ok) continue;
        const { html } = (await res.json()) as { html: string };
        span.outerHTML = html;
      } catch {
        return; // offline or server gone: the source stays readable
      }
    }
  });
}

document.addEventListener('papers:chunk', (e) => typesetPending((e as CustomEvent<{ chunk: HTMLElement }>).detail.chunk));

/** Related papers arrive as a server-rendered fragment (they cost a search; the page itself does not wait). */
async function loadRelated(): Promise<void> {
  const section = document.querySelector<HTMLElement>('[data-related-src]');
  if (!section?.dataset.relatedSrc) return;
  try {
    const res = await fetch(section.dataset.relatedSrc, { headers: { accept: 'text/html' } });
    if (res.ok) {
      section.innerHTML = await res.text();
      typesetPending(section);
    }
  } catch {
    /* the plain link stays */
  }
}

function start(): void {
  openOwnList();
  void loadRelated();
  paintStars();
  setupKeywords();
  typesetPending();
  document.documentElement.classList.add('js');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
export {};
