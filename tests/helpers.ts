// Shared test plumbing: throwaway data directories and a real server process.
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { chromium, type Browser } from 'playwright-core';
import type { Paper } from '../db/paper.ts';

/** Seeded random numbers (mulberry32), the same generator the demos use. */
export { rng } from '../web/demos/core/random.ts';

export const ROOT = join(import.meta.dirname, '..');

/**
 * A maker of hand-made papers for search tests: ids `<month>.1000n` in the
 * order they are made (month `YYMM`), published on the month's first day,
 * one author and cs.LG unless `base` or `extra` say otherwise.
 */
export function paperMaker(month: string, base: Partial<Paper> = {}): (title: string, abstract: string, extra?: Partial<Paper>) => Paper {
  let n = 0;
  return (title, abstract, extra = {}) => {
    n++;
    return {
      id: `${month}.${String(10000 + n)}`, version: 1, title, abstract, authors: ['Ada Tester'], categories: ['cs.LG'],
      published: `20${month.slice(0, 2)}-${month.slice(2)}-01`, updated: null, comments: null, journalRef: null, doi: null, license: null,
      ...base,
      ...extra,
    };
  };
}
/** The bundled sample of real arXiv metadata (6,027 papers, Kaggle snapshot lines): what tests import. */
export const CORPUS = join(ROOT, 'db', 'sample', 'arxiv-sample.jsonl.gz');
/** Recorded arXiv responses, replayed by scripts/fixture-server.ts. */
export const FIXTURES = join(ROOT, 'tests', 'fixtures', 'arxiv');
/** The public golden cases of the demo algorithms. */
export const GOLDEN = join(ROOT, 'tests', 'fixtures', 'golden');

/** The sample's (or another gzipped snapshot's) raw JSON lines, the first `limit` of them, as the importer reads them. */
export async function corpusLines(limit = Infinity, file = CORPUS): Promise<string[]> {
  const out: string[] = [];
  let rest = '';
  const gz = createReadStream(file).pipe(createGunzip());
  gz.setEncoding('utf8');
  for await (const chunk of gz) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const p of parts) if (p && out.length < limit) out.push(p);
    if (out.length >= limit) break;
  }
  gz.destroy();
  return out;
}

/**
 * `count` snapshot lines for volume tests (imports killed mid-way): the
 * sample's real records, repeated under fresh new-style ids (`29MM.NNNNN`,
 * months no real paper uses) once the sample runs out, so every line is a
 * distinct paper with real text.
 */
export async function manyCorpusLines(count: number): Promise<string[]> {
  const real = await corpusLines();
  const out = real.slice(0, count);
  for (let round = 1; out.length < count; round++) {
    for (let i = 0; i < real.length && out.length < count; i++) {
      const rec = JSON.parse(real[i]) as { id: string };
      rec.id = `29${String(round).padStart(2, '0')}.${String(i).padStart(5, '0')}`;
      out.push(JSON.stringify(rec));
    }
  }
  return out;
}

export function tempDir(prefix = 'papers-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RunningServer {
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `server/main.ts` as a real process on 127.0.0.1 and waits for /healthz. */
export async function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningServer> {
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    // One loopback client drives every request: no per-client rate unless a test asks for one; no crawler and no
    // bundled sample unless a test asks for them.
    env: { ...process.env, CRAWL: 'off', SAMPLE: 'off', HOST: '127.0.0.1', PORT: String(port), CLIENT_RATE_PER_S: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Papers committed so far in `dataDir` (read-only, so it never takes a lock the importer needs). */
export function committedPapers(dataDir: string): number {
  const path = join(dataDir, 'papers.db');
  if (!existsSync(path)) return 0;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM papers').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not migrated yet
  }
}

/**
 * Runs the import CLI on `file` into `dataDir`. With `killAt`, SIGKILLs it as
 * soon as that many papers are committed, so a kill lands mid-import however
 * fast or slow the machine is.
 */
export function runImporter(
  file: string,
  dataDir: string,
  opts: { batch?: number; killAt?: number | null } = {},
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/import.ts'), '--quiet', '--batch', String(opts.batch ?? 2000), file],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, stdio: 'ignore' },
    );
    let timer: NodeJS.Timeout | undefined;
    const killAt = opts.killAt;
    if (killAt != null) {
      const poll = () => {
        if (committedPapers(dataDir) >= killAt) child.kill('SIGKILL');
        else timer = setTimeout(poll, 3);
      };
      timer = setTimeout(poll, 3);
    }
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/**
 * Headless Chromium for the browser tests: $CHROMIUM_PATH when set (tests/run.ts
 * sets it once for every test file), else a system Chromium, else the one the
 * @sparticuz/chromium package ships (unpacked to /tmp on first use). Flags keep
 * it off the network and out of the sandbox a root user cannot have.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export { chromiumPath } from './chromium.ts';
import { chromiumPath } from './chromium.ts';

/** The nice value of each thread of a process (Linux), e.g. to see a thread run at a lower priority. */
export function threadNices(pid: number | 'self' = 'self'): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is 3rd, nice the 19th.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}
