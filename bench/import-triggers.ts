// npx tsx bench/import-triggers.ts [ROUNDS=3]
// What the FTS5 triggers cost an import while idle (db/migrations/0004_fts5.sql:
// present in every database, acting only once the fts5 engine has opened it):
// the corpus imported into a fresh database with them (indexing = 0), and into
// one with them dropped (as databases were before the migration), alternating
// in one process so both see the same machine. Reports entries/s and the
// process's CPU time (both threads: the reader and the writer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../db/client.ts';
import { importFile } from '../scripts/import.ts';

const file = join(import.meta.dirname, '..', '..', 'shared', 'arxiv', 'corpus.jsonl.gz');
const rounds = Number(process.argv[2] ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, not ${process.argv[2]}`);
const out: Record<string, { wall: number[]; cpu: number[] }> = { idle: { wall: [], cpu: [] }, none: { wall: [], cpu: [] } };
for (let r = 0; r < rounds; r++) {
  for (const kind of (r % 2 ? ['none', 'idle'] : ['idle', 'none']) as ('idle' | 'none')[]) {
    const dir = mkdtempSync(join(tmpdir(), 'ab-'));
    const db = openDb(join(dir, 'papers.db'));
    if (kind === 'none') db.sqlite.exec('DROP TRIGGER papers_fts_ai; DROP TRIGGER papers_fts_ad; DROP TRIGGER papers_fts_au;');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await importFile(db, file);
    const cpu = process.cpuUsage(c0);
    out[kind].wall.push(res.lines / ((performance.now() - t0) / 1000));
    out[kind].cpu.push((cpu.user + cpu.system) / 1e6);
    db.sqlite.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`${kind}: ${Math.round(out[kind].wall.at(-1)!)} entries/s, main-process CPU ${out[kind].cpu.at(-1)!.toFixed(2)} s`);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of ['idle', 'none']) console.log(`${k}: median ${Math.round(med(out[k].wall))} entries/s, median CPU ${med(out[k].cpu).toFixed(2)} s`);
