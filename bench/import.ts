// npm run bench:import [-- FILE] [--runs 3] [--fts5]
// Import throughput of the metadata snapshot into a fresh database (the
// issue's goal: >= 20,000 entries/s), and of a re-import that changes nothing.
// --fts5: the fts5 engine has opened the database first, so its triggers
// index every paper inside the import (without it they stay idle, see
// db/migrations/0004_fts5.sql).
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';
import { ensureFts5 } from '../search/fts5.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' }, fts5: { type: 'boolean', default: false } },
});
const file = positionals[0] ?? join(import.meta.dirname, '..', '..', 'shared', 'arxiv', 'corpus.jsonl.gz');
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fresh: number[] = [];
const again: number[] = [];
let lines = 0;
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  try {
    const db = openDb(join(dir, 'papers.db'));
    if (values.fts5) ensureFts5(db);
    const a = await importFile(db, file);
    const b = await importFile(db, file, { fromStart: true });
    lines = a.lines;
    fresh.push(a.lines / a.seconds);
    again.push(b.lines / b.seconds);
    db.sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`# import benchmark${values.fts5 ? ' (FTS5 triggers on)' : ''}: ${file} (${lines} lines), ${runs} runs, ${cpus().length} cores, node ${process.version}`);
console.log(`fresh import   median ${Math.round(median(fresh))} entries/s  (runs: ${fresh.map(Math.round).join(', ')})`);
console.log(`re-import      median ${Math.round(median(again))} entries/s  (runs: ${again.map(Math.round).join(', ')})`);
console.log(`goal >= 20000 entries/s: ${median(fresh) >= 20000 ? 'met' : 'NOT met'}`);
