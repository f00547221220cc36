// Builds and loads search/fts5_rank.c, the bm25_df() ranking function (see
// the C file for why). It is compiled on first use against the SQLite headers
// better-sqlite3 ships (deps/sqlite3), so it matches the linked library, and
// kept in node_modules/.cache under a hash of the source and headers. Without
// a C compiler the engine ranks with FTS5's own bm25(): same results, slower.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Sqlite } from '../db/client.ts';
import { readSetting } from '../lib/config.ts';

const SOURCE = join(import.meta.dirname, 'fts5_rank.c');
const ENTRY = 'sqlite3_fts5rank_init';

let built: { path: string | null; error?: string } | null = null;

/** The compiled extension's path, building it if needed; null (with the reason) when it cannot be built. */
export function rankExtension(): { path: string | null; error?: string } {
  if (built) return built;
  try {
    const headers = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
    const hash = createHash('sha256')
      .update(readFileSync(SOURCE))
      .update(readFileSync(join(headers, 'sqlite3.h')))
      .update(process.platform + process.arch)
      .digest('hex')
      .slice(0, 16);
    const dir = join(import.meta.dirname, '..', 'node_modules', '.cache', 'fts5-rank');
    const out = join(dir, `fts5_rank-${hash}${process.platform === 'darwin' ? '.dylib' : '.so'}`);
    if (!existsSync(out)) {
      mkdirSync(dir, { recursive: true });
      // Another process may build at the same time: each writes its own file, the rename is atomic.
      const tmp = `${out}.${process.pid}.tmp`;
      try {
        execFileSync(readSetting('CC'), ['-O2', '-shared', '-fPIC', `-I${headers}`, SOURCE, '-o', tmp, '-lm'], { stdio: 'pipe' });
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    built = { path: out };
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    built = { path: null, error: (e.stderr?.toString() || e.message).split('\n')[0] };
  }
  return built;
}

/** Loads bm25_df() into this connection; false when it is not available. */
export function loadRank(sqlite: Sqlite, log: (line: string) => void = () => {}): boolean {
  const ext = rankExtension();
  if (ext.path) {
    try {
      // better-sqlite3 takes the entry point as a second argument; its typings predate that.
      (sqlite.loadExtension as (path: string, entry: string) => void).call(sqlite, ext.path, ENTRY);
      return true;
    } catch (err) {
      ext.error = (err as Error).message;
      ext.path = null;
    }
  }
  log(`search: FTS5 ranks with bm25() (bm25_df unavailable: ${ext.error})`);
  return false;
}
