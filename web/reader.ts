// The inline reader: a "Read" link (data-read="<id>") opens the paper in a
// dialog. PDF.js (served by us under /pdfjs/, loaded on first use) renders the
// PDF that the browser fetches from arXiv itself; arXiv's HTML version is one
// link away. When the PDF cannot be fetched (no CORS, offline, not found), the
// PDF opens on arXiv in a new tab instead.

interface ReaderConfig {
  pdf: string;
  html: string;
  viewer: string;
  worker: string;
}

/** What we use of pdfjs-dist's module. */
interface PdfJs {
  GlobalWorkerOptions: { workerSrc: string };
  getDocument(src: { url: string; isEvalSupported: boolean }): { promise: Promise<PdfDoc>; destroy(): Promise<void> };
}
interface PdfDoc {
  numPages: number;
  getPage(n: number): Promise<PdfPage>;
  destroy(): Promise<void>;
}
interface PdfPage {
  getViewport(o: { scale: number }): { width: number; height: number };
  render(o: { canvasContext: CanvasRenderingContext2D; viewport: { width: number; height: number }; canvas?: HTMLCanvasElement }): { promise: Promise<void> };
}

/** Pages rendered at most; the rest are a link away. */
const MAX_PAGES = 60;

let config: Promise<ReaderConfig> | null = null;
let pdfjs: Promise<PdfJs> | null = null;

function readerConfig(): Promise<ReaderConfig> {
  config ??= fetch('/api/reader').then((r) => r.json() as Promise<ReaderConfig>);
  return config;
}

async function loadPdfJs(c: ReaderConfig): Promise<PdfJs> {
  pdfjs ??= (async () => {
    const url = c.viewer;
    const mod = (await import(/* webpackIgnore: true */ url)) as PdfJs;
    mod.GlobalWorkerOptions.workerSrc = c.worker;
    return mod;
  })();
  return pdfjs;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

async function open(id: string): Promise<void> {
  const c = await readerConfig();
  const pdfUrl = `${c.pdf}/${id}`;
  const htmlUrl = `${c.html}/${id}`;
  document.querySelector('dialog.reader')?.remove();
  const dialog = el('dialog', { class: 'reader', 'aria-label': `Reading ${id}` });
  const bar = el('div', { class: 'reader-bar' });
  const status = el('span', { class: 'reader-status', role: 'status' }, `Loading ${id} from arXiv…`);
  const close = el('button', { type: 'button', class: 'reader-close' }, 'Close');
  bar.append(
    el('strong', {}, id),
    status,
    el('a', { href: htmlUrl, target: '_blank', rel: 'noopener' }, 'HTML version'),
    el('a', { href: pdfUrl, target: '_blank', rel: 'noopener' }, 'PDF on arXiv'),
    close,
  );
  const pages = el('div', { class: 'reader-pages' });
  dialog.append(bar, pages);
  document.body.append(dialog);
  let doc: PdfDoc | null = null;
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    void doc?.destroy();
    dialog.remove();
  });
  dialog.showModal();
  try {
    const lib = await loadPdfJs(c);
    doc = await lib.getDocument({ url: pdfUrl, isEvalSupported: false }).promise;
  } catch {
    status.textContent = 'The PDF could not be loaded here; it opens on arXiv in a new tab.';
    window.open(pdfUrl, '_blank', 'noopener');
    return;
  }
  const shown = Math.min(doc.numPages, MAX_PAGES);
  status.textContent = `${doc.numPages} pages`;
  const width = Math.min(pages.clientWidth || 900, 1000);
  for (let n = 1; n <= shown && dialog.open; n++) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: (width / base.width) * (window.devicePixelRatio || 1) });
    const canvas = el('canvas', { class: 'reader-page', 'data-page': String(n) });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / (window.devicePixelRatio || 1))}px`;
    pages.append(canvas);
    await page.render({ canvasContext: canvas.getContext('2d')!, viewport, canvas }).promise;
    canvas.dataset.rendered = '1';
  }
  if (doc.numPages > shown) pages.append(el('p', { class: 'note' }, `The first ${shown} pages are shown; the rest are in the PDF on arXiv.`));
}

document.addEventListener('click', (e) => {
  const link = (e.target as Element | null)?.closest?.<HTMLAnchorElement>('a[data-read]');
  if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  void open(link.dataset.read!);
});

export {};
