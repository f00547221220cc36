// A paper's full text, for the assistant: arXiv's HTML version (LaTeXML) when
// it has one, else its PDF's text layer, both fetched through the crawler's
// rate-limited client and cached privately in SQLite per (id, version).
// Readers are never served this text; arXiv's terms forbid re-hosting papers.
import type { Db } from '../../db/client.ts';
import { getFullText, putFullText, type FullTextSection } from '../../db/fulltext.ts';
import type { ArxivClient, Priority, RawResponse } from './client.ts';
import type { FullTextConfig } from './config.ts';
import { TooLargeError, describeError } from './errors.ts';
import { htmlFullText } from './fulltext-html.ts';
import { pdfPagesText } from './pdf-text.ts';

export type { FullTextSection } from '../../db/fulltext.ts';

export interface FullTextContext {
  db: Db;
  /** The crawler's client: its spacing, retries and priority queue. */
  client: ArxivClient;
  config: FullTextConfig;
  /** One line per fetch and per failure. */
  log?: (line: string) => void;
  /** Queue place of the requests (default `reader`: someone is waiting for the answer). */
  priority?: Priority;
  /** Limit on one PDF's text extraction (default 60 s). */
  pdfTimeoutMs?: number;
}

/**
 * What fetchFullText found. `ok`: the text, with formulas as `$TeX$`, and its
 * sections (HTML: by heading; PDF: by page). `absent`: arXiv has neither a
 * usable HTML version nor a PDF with a text layer. `error`: arXiv could not
 * be asked or answered with something unusable (down, 503, too large, not a
 * PDF); asking again later may work.
 */
export type FullTextResult =
  | { status: 'ok'; source: 'html' | 'pdf'; text: string; sections: FullTextSection[] }
  | { status: 'absent'; reason: string }
  | { status: 'error'; reason: string };

type Attempt = FullTextResult & { tried: string };

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** The address of a paper version under `base`: `<base>/<id>v<n>`, or `<base>/<id>` for the latest. */
export function versionUrl(base: string, id: string, version: number | null): string {
  return `${base}/${id}${version ? `v${version}` : ''}`;
}

async function fetchOrError(ctx: FullTextContext, url: string, what: string, accept: string): Promise<RawResponse | { error: string }> {
  try {
    return await ctx.client.getBytes(url, what, { priority: ctx.priority ?? 'reader', maxBytes: ctx.config.maxBytes, accept });
  } catch (err) {
    if (err instanceof TooLargeError) return { error: `${what} is larger than ${mb(err.limitBytes)} (FULLTEXT_MAX_MB)` };
    return { error: `${what}: ${describeError(err)}` };
  }
}

async function fromHtml(ctx: FullTextContext, id: string, version: number | null): Promise<Attempt> {
  const url = versionUrl(ctx.config.htmlUrl, id, version);
  const res = await fetchOrError(ctx, url, 'HTML version', 'text/html');
  if ('error' in res) return { status: 'error', reason: res.error, tried: url };
  if (res.status === 404 || res.status === 410) return { status: 'absent', reason: 'arXiv has no HTML version of this paper', tried: url };
  if (res.status >= 400) return { status: 'error', reason: `HTML version: HTTP ${res.status}`, tried: url };
  // arXiv answers a paper without HTML with a redirect to its abstract page: not a LaTeXML document.
  const read = htmlFullText(res.body.toString('utf8'));
  if (!read.ok) return { status: 'absent', reason: read.reason, tried: url };
  return { status: 'ok', source: 'html', text: read.text, sections: read.sections, tried: url };
}

async function fromPdf(ctx: FullTextContext, id: string, version: number | null): Promise<Attempt> {
  const url = versionUrl(ctx.config.pdfUrl, id, version);
  const res = await fetchOrError(ctx, url, 'PDF', 'application/pdf');
  if ('error' in res) return { status: 'error', reason: res.error, tried: url };
  if (res.status === 404 || res.status === 410) return { status: 'absent', reason: 'arXiv has no PDF of this paper', tried: url };
  if (res.status >= 400) return { status: 'error', reason: `PDF: HTTP ${res.status}`, tried: url };
  // Withdrawn papers and error pages come back as HTML with a 200.
  if (!res.body.subarray(0, 1024).toString('latin1').includes('%PDF-')) {
    return { status: 'error', reason: `PDF: arXiv sent ${res.contentType || 'something'} that is not a PDF`, tried: url };
  }
  const read = await pdfPagesText(res.body, { timeoutMs: ctx.pdfTimeoutMs });
  if (!read.ok) return { status: 'error', reason: `PDF: ${read.reason}`, tried: url };
  const sections = read.pages.map((t, i) => ({ title: `Page ${i + 1}`, level: 1, text: t.replace(/[ \t]+/g, ' ').trim() }));
  if (!sections.some((s) => s.text)) return { status: 'absent', reason: 'the PDF has no text layer (scanned pages?)', tried: url };
  const text = sections.map((s) => s.text).filter(Boolean).join('\n\n');
  return { status: 'ok', source: 'pdf', text, sections, tried: url };
}

/**
 * The full text of paper `id` (canonical, without version) at `version`
 * (null: arXiv's latest). Cached per (id, version); never throws: every
 * failure is a `{status, reason}` and one log line.
 */
export async function fetchFullText(ctx: FullTextContext, id: string, version: number | null): Promise<FullTextResult> {
  const key = version ?? 0;
  const log = ctx.log ?? (() => undefined);
  try {
    const cached = getFullText(ctx.db, id, key);
    if (cached) return { status: 'ok', ...cached };
    const html = await fromHtml(ctx, id, version);
    const found = html.status === 'ok' ? html : await fromPdf(ctx, id, version);
    if (found.status !== 'ok' && html.status !== 'ok') {
      // Absent only when both are absent; any failure to fetch or read makes it an error (try later).
      const status = html.status === 'error' || found.status === 'error' ? 'error' : 'absent';
      const reason = `${html.reason}; ${found.reason}`;
      log(`fulltext ${id}${version ? `v${version}` : ''}: ${status}: ${reason}`);
      return { status, reason };
    }
    if (found.status !== 'ok') return { status: 'error', reason: found.reason };
    const { source, text, sections } = found;
    try {
      putFullText(ctx.db, id, key, { source, text, sections }, ctx.config.cacheBytes);
    } catch (err) {
      // A busy or full database costs the cache, not the answer.
      log(`fulltext ${id}: not cached: ${describeError(err)}`);
    }
    log(`fulltext ${id}${version ? `v${version}` : ''}: ${source}, ${text.length} characters (${found.tried})`);
    return { status: 'ok', source, text, sections };
  } catch (err) {
    const reason = describeError(err);
    log(`fulltext ${id}: error: ${reason}`);
    return { status: 'error', reason };
  }
}
