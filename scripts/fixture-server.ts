// A stand-in for arXiv on 127.0.0.1 that replays the real responses in
// tests/fixtures/arxiv (recorded from arXiv, kept in the repository), with scripted faults, so the crawler can be
// tested end to end without the network.
//
//   /rss/<cat>            rss/<cat>_*.xml (the three real feed excerpts)
//   /api/query?...        api/2026 and api/legacy-2016 (id_list and search fixtures)
//   /oai?verb=ListRecords the real 1,000-record hep-th page, split into pages
//                         chained by resumptionTokens (the last one empty)
//   /html/<id>v<n>        html/<id>v<n>.html (or html/<id>.html): LaTeXML pages
//   /pdf/<id>v<n>         PDFs a test hands in (`documents`), with CORS like arXiv's
//
// Standalone: `npx tsx scripts/fixture-server.ts [--port 8080] [--oai-page-size 250]`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

export type Fault =
  /** 503 with this Retry-After (seconds). */
  | { kind: '503'; retryAfter?: number }
  | { kind: '500' }
  /** Headers promise the whole body; half is sent, then the socket is destroyed. */
  | { kind: 'drop' }
  /** A clean 200 whose XML body stops in the middle. */
  | { kind: 'malformed' }
  /** Waits this long before answering (longer than the client's timeout). */
  | { kind: 'slow'; ms?: number }
  /** OAI: the token is refused as if it had expired. */
  | { kind: 'badToken' }
  /** HTML: a 200 that is LaTeXML's fatal-error page, or (`stub`) the "no HTML available" page. */
  | { kind: 'conversionFailure'; stub?: boolean }
  /** PDF: a 200 whose body is an HTML page. */
  | { kind: 'notPdf' }
  /** PDF: a body of `mb` megabytes (default 200), announced by Content-Length unless `declare` is false. */
  | { kind: 'oversized'; mb?: number; declare?: boolean }
  /** PDF: a valid PDF whose page has no text layer. */
  | { kind: 'emptyText' };

export interface RecordedRequest {
  /** 1-based, in arrival order. */
  n: number;
  at: number;
  path: string;
  params: Record<string, string>;
  userAgent: string | null;
  fault: Fault['kind'] | null;
  status: number;
}

export interface FixtureServerOptions {
  /** Folder holding the recorded responses (api/, oai/, rss/); default the repository's tests/fixtures/arxiv. */
  fixturesDir?: string;
  /** Records per synthesised OAI page (the real page holds 1,000). */
  oaiPageSize?: number;
  /** Faults by request number (1-based), or a function of the request. */
  faults?: Record<number, Fault> | ((req: { n: number; path: string; params: Record<string, string> }) => Fault | null | undefined);
  /** 0 (default) picks a free port. */
  port?: number;
  /** Lets a test derive a response from a real one (e.g. cross-list items from a 'new' feed). */
  transform?: (path: string, body: string) => string;
  /** Every answer waits this long (a slow but working arXiv), so a test can see requests in flight. */
  delayMs?: number;
  /** Bodies by path (`/pdf/2104.12255v1`), e.g. PDFs a test made; served with their type. */
  documents?: Record<string, { type: string; body: Uint8Array | string }>;
}

export interface FixtureServer {
  url: string;
  /** Environment that points the crawler here. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string | Uint8Array;
  type?: string;
}

const XML = 'application/xml; charset=utf-8';
const OAI_FILE = 'ListRecords_arXiv_set-physics-hep-th_from-2016-01-01.xml';
/** The set and the last day the recorded harvest covers. */
const OAI_SET = 'physics:hep-th';
const OAI_RESPONSE_DAY = '2017-03-25';
const TOKEN = /^hepth\|(\d+)$/;

/** The recorded arXiv responses kept in the repository. */
export const DEFAULT_FIXTURES_DIR = join(import.meta.dirname, '..', 'tests', 'fixtures', 'arxiv');

interface OaiParts {
  head: string;
  records: string[];
  tail: string;
}

/** Splits the real ListRecords page into header, records and footer, keeping every byte of each record. */
function splitOai(xml: string): OaiParts {
  const first = xml.indexOf('<record>');
  const end = xml.lastIndexOf('</record>') + '</record>'.length;
  const records = xml.slice(first, end).match(/<record>[\s\S]*?<\/record>/g) ?? [];
  const tail = xml.slice(end).replace(/<resumptionToken[^>]*>[^<]*<\/resumptionToken>\s*/, '');
  return { head: xml.slice(0, first), records, tail };
}

class Fixtures {
  readonly dir: string;
  private cache = new Map<string, string>();
  private oai: OaiParts | null = null;

  constructor(dir: string) {
    this.dir = dir;
    readdirSync(this.dir); // fail early and clearly when the folder is missing
  }

  read(rel: string): string | null {
    if (this.cache.has(rel)) return this.cache.get(rel)!;
    try {
      const s = readFileSync(join(this.dir, rel), 'utf8');
      this.cache.set(rel, s);
      return s;
    } catch {
      return null;
    }
  }

  list(sub: string): string[] {
    try {
      return readdirSync(join(this.dir, sub));
    } catch {
      return [];
    }
  }

  oaiParts(): OaiParts {
    this.oai ??= splitOai(this.read(join('oai', OAI_FILE))!);
    return this.oai;
  }
}

function rss(fx: Fixtures, cat: string): Reply {
  const file = fx.list('rss').find((f) => f.startsWith(`${cat}_`) && f.endsWith('.xml'));
  const body = file ? fx.read(join('rss', file)) : null;
  if (!body) return { status: 404, body: `no feed for ${cat}\n`, type: 'text/plain' };
  return { status: 200, body, type: 'application/rss+xml; charset=utf-8' };
}

/** The file-name form of an id list in the fixtures: `astro-ph/0601001,x` -> `astro-ph-0601001-x`. */
function idListKey(ids: string): string {
  return ids.replace(/[/,]/g, '-');
}

function entriesOf(xml: string): string[] {
  return xml.match(/<entry>[\s\S]*?<\/entry>/g) ?? [];
}

function api(fx: Fixtures, params: Record<string, string>): Reply {
  const idList = params.id_list ?? '';
  const query = params.search_query ?? '';
  if (idList) {
    const exact = fx.list('api/2026').find((f) => f.startsWith(`id_list_${idListKey(idList)}_start0_max100`));
    if (exact) {
      return { status: exact.includes('_http400') ? 400 : 200, body: fx.read(join('api/2026', exact))!, type: XML };
    }
    // Several ids: answer with the recorded entry of each id we have, in the order asked.
    const ids = [...new Set(idList.split(',').map((s) => s.trim()).filter(Boolean))];
    const entries: string[] = [];
    for (const id of ids) {
      const bare = id.replace(/v\d+$/, '');
      const file =
        fx.list('api/2026').find((f) => f.startsWith(`id_list_${idListKey(id)}_start0`)) ??
        fx.list('api/2026').find((f) => f.startsWith(`id_list_${idListKey(bare)}_start0`) || f.startsWith(`id_list_${idListKey(bare)}v`));
      if (file && !file.includes('_http400')) entries.push(...entriesOf(fx.read(join('api/2026', file))!));
    }
    const empty = fx.read('api/2026/id_list_0000.0000_start0_max100.xml')!;
    const body = empty
      .replace('<opensearch:totalResults>0</opensearch:totalResults>', `<opensearch:totalResults>${entries.length}</opensearch:totalResults>`)
      .replace('</feed>', `${entries.map((e) => `  ${e}\n`).join('')}</feed>`);
    return { status: 200, body, type: XML };
  }
  if (/del_maestro/i.test(query)) {
    const file = fx.list('api/legacy-2016').find((f) => f === 'search_au_del_maestro.xml');
    return { status: 200, body: fx.read(join('api/legacy-2016', file!))!, type: XML };
  }
  if (query) {
    // Every other query replays the recorded `search_query=testing` pages.
    const start = params.start ?? '0';
    const max = params.max_results ?? '10';
    const body = fx.read(`api/2026/search_testing_start${start}_max${max}.xml`);
    if (body) return { status: 200, body, type: XML };
    return { status: 404, body: `no recorded page for start=${start} max_results=${max}\n`, type: 'text/plain' };
  }
  return fx.read('api/2026/id_list_abc_start0_max100_http400.xml')
    ? { status: 400, body: fx.read('api/2026/id_list_abc_start0_max100_http400.xml')!, type: XML }
    : { status: 400, body: 'bad query\n', type: 'text/plain' };
}

function oaiPage(fx: Fixtures, offset: number, pageSize: number): string {
  const { head, records, tail } = fx.oaiParts();
  const page = records.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  const token =
    next < records.length
      ? `<resumptionToken cursor="${offset}" completeListSize="${records.length}">hepth|${next}</resumptionToken>`
      : `<resumptionToken cursor="${offset}" completeListSize="${records.length}"/>`;
  return `${head}${page.join('\n')}\n${token}${tail}`;
}

function oai(fx: Fixtures, params: Record<string, string>, pageSize: number, forceBadToken: boolean): Reply {
  const err = (name: string): Reply => ({ status: 200, body: fx.read(`oai/error_${name}.xml`)!, type: XML });
  if (params.verb !== 'ListRecords') {
    if (params.verb === 'GetRecord') {
      return params.identifier === 'oai:arXiv.org:1302.2146'
        ? { status: 200, body: fx.read('oai/GetRecord_arXivRaw_1302.2146.xml')!, type: XML }
        : err('idDoesNotExist');
    }
    return err('badVerb');
  }
  if (params.resumptionToken !== undefined) {
    // OAI-PMH: a token is an exclusive argument.
    if (Object.keys(params).some((k) => k !== 'verb' && k !== 'resumptionToken')) return err('badArgument');
    const m = TOKEN.exec(params.resumptionToken);
    const offset = m ? Number(m[1]) : -1;
    if (forceBadToken || !m || offset >= fx.oaiParts().records.length) return err('badResumptionToken');
    return { status: 200, body: oaiPage(fx, offset, pageSize), type: XML };
  }
  if (params.metadataPrefix !== 'arXiv') return err('badArgument');
  if ((params.set && params.set !== OAI_SET) || (params.from && params.from > OAI_RESPONSE_DAY)) {
    return err('noRecordsMatch');
  }
  return { status: 200, body: oaiPage(fx, 0, pageSize), type: XML };
}

/** A one-page PDF without any text (a drawn rectangle only), written by hand so every byte offset is known. */
export function blankPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R >>',
  ];
  const stream = '10 10 100 50 re f';
  objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const FATAL_HTML =
  '<!DOCTYPE html><html><head><title>Conversion failed</title></head><body><div class="ltx_page_main"><h1>Conversion report</h1>' +
  '<p>Conversion to HTML had a Fatal error and exited abruptly. This document may be truncated or damaged.</p></div></body></html>';
const STUB_HTML =
  '<!DOCTYPE html><html><head><title>No HTML</title></head><body><main><h1>No HTML available for this paper</h1>' +
  '<p>Read the PDF instead.</p></main></body></html>';
const NOT_PDF_HTML = '<!DOCTYPE html><html><body><h1>This paper has been withdrawn</h1><p>No PDF here.</p></body></html>';

function html(fx: Fixtures, name: string, fault: Fault | null): Reply {
  if (fault?.kind === 'conversionFailure') return { status: 200, body: fault.stub ? STUB_HTML : FATAL_HTML, type: 'text/html; charset=utf-8' };
  const file = fx.read(join('html', `${name}.html`)) ?? fx.read(join('html', `${name.replace(/v\d+$/, '')}.html`));
  if (!file) return { status: 404, body: 'no HTML version\n', type: 'text/plain' };
  return { status: 200, body: file, type: 'text/html; charset=utf-8' };
}

function pdf(path: string, fault: Fault | null, documents: FixtureServerOptions['documents']): Reply {
  if (fault?.kind === 'notPdf') return { status: 200, body: NOT_PDF_HTML, type: 'text/html; charset=utf-8' };
  if (fault?.kind === 'emptyText') return { status: 200, body: blankPdf(), type: 'application/pdf' };
  const doc = documents?.[path] ?? documents?.[path.replace(/v\d+$/, '')];
  if (!doc) return { status: 404, body: 'no such paper\n', type: 'text/plain' };
  return { status: 200, body: doc.body, type: doc.type };
}

function route(
  fx: Fixtures,
  path: string,
  params: Record<string, string>,
  pageSize: number,
  fault: Fault | null,
  documents?: FixtureServerOptions['documents'],
): Reply {
  const rssMatch = /^\/rss\/([A-Za-z.-]+)$/.exec(path);
  if (rssMatch) return rss(fx, rssMatch[1]);
  const htmlMatch = /^\/html\/((?:[a-z-]+\/)?[\d.]+(?:v\d+)?)$/.exec(path);
  if (htmlMatch) return html(fx, htmlMatch[1].replace('/', '-'), fault);
  if (path.startsWith('/pdf/')) return pdf(path, fault, documents);
  if (documents?.[path]) return { status: 200, body: documents[path].body, type: documents[path].type };
  if (path === '/api/query') return api(fx, params);
  if (path === '/oai') return oai(fx, params, pageSize, fault?.kind === 'badToken');
  return { status: 404, body: 'not found\n', type: 'text/plain' };
}

/** Streams `mb` megabytes of a PDF-looking body until done or until the client hangs up. */
function sendOversized(res: ServerResponse, rec: RecordedRequest, fault: { mb?: number; declare?: boolean }): void {
  const total = (fault.mb ?? 200) * 1024 * 1024;
  rec.status = 200;
  res.writeHead(200, { 'content-type': 'application/pdf', ...(fault.declare === false ? {} : { 'content-length': String(total) }) });
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  chunk.write('%PDF-1.4\n');
  let sent = 0;
  const more = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => (sent = total));
  more();
}

export async function startFixtureServer(opts: FixtureServerOptions = {}): Promise<FixtureServer> {
  const fx = new Fixtures(opts.fixturesDir ?? DEFAULT_FIXTURES_DIR);
  const pageSize = Math.max(1, opts.oaiPageSize ?? 250);
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function faultFor(n: number, path: string, params: Record<string, string>): Fault | null {
    const f = opts.faults;
    if (!f) return null;
    return (typeof f === 'function' ? f({ n, path, params }) : f[n]) ?? null;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://fixture');
    const params = Object.fromEntries(u.searchParams);
    const n = requests.length + 1;
    const fault = faultFor(n, u.pathname, params);
    const rec: RecordedRequest = {
      n,
      at: Date.now(),
      path: u.pathname,
      params,
      userAgent: req.headers['user-agent'] ?? null,
      fault: fault?.kind ?? null,
      status: 0,
    };
    requests.push(rec);
    // arXiv serves PDFs with CORS headers; the browser's inline reader depends on it.
    const cors: Record<string, string> = u.pathname.startsWith('/pdf/') ? { 'access-control-allow-origin': '*' } : {};
    const send = (status: number, body: string | Uint8Array, type = 'text/plain', headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...cors, ...headers });
      res.end(body);
    };
    if (fault?.kind === '503') return send(503, 'busy\n', 'text/plain', { 'retry-after': String(fault.retryAfter ?? 1) });
    if (fault?.kind === '500') return send(500, 'internal error\n');
    if (fault?.kind === 'slow') {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send(504, 'too late\n');
      }, fault.ms ?? 10_000);
      timers.add(t);
      return;
    }
    if (fault?.kind === 'oversized') return sendOversized(res, rec, fault);
    let reply: Reply;
    try {
      reply = route(fx, u.pathname, params, pageSize, fault, opts.documents);
    } catch (err) {
      return send(500, `fixture server: ${(err as Error).message}\n`);
    }
    const body = opts.transform && typeof reply.body === 'string' ? opts.transform(u.pathname, reply.body) : reply.body;
    if (fault?.kind === 'drop') {
      const bytes = Buffer.from(body);
      rec.status = reply.status;
      res.writeHead(reply.status, { 'content-type': reply.type ?? XML, 'content-length': bytes.length });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
      return;
    }
    if (fault?.kind === 'malformed') return send(reply.status, body.slice(0, Math.floor(body.length * 0.6)), reply.type);
    if (opts.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send(reply.status, body, reply.type);
      }, opts.delayMs);
      timers.add(t);
      return;
    }
    send(reply.status, body, reply.type);
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    env: {
      ARXIV_RSS_URL: `${url}/rss`,
      ARXIV_API_URL: `${url}/api/query`,
      ARXIV_OAI_URL: `${url}/oai`,
      ARXIV_HTML_URL: `${url}/html`,
      ARXIV_PDF_URL: `${url}/pdf`,
    },
    requests,
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, 'oai-page-size': { type: 'string', default: '250' } },
  });
  const port = Number(values.port);
  const oaiPageSize = Number(values['oai-page-size']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
  if (!Number.isInteger(oaiPageSize) || oaiPageSize < 1) throw new Error(`bad --oai-page-size ${values['oai-page-size']}`);
  const srv = await startFixtureServer({ port, oaiPageSize });
  console.log(`fixture server on ${srv.url}; point the crawler at it with:`);
  for (const [k, v] of Object.entries(srv.env)) console.log(`  export ${k}=${v}`);
  console.log('  export ARXIV_DELAY_MS=100');
  process.on('SIGINT', () => void srv.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`fixture-server: ${(err as Error).message}`);
    process.exit(1);
  });
}
