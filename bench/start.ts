// npm run bench:start
// The time from starting the server (`npm start`'s server/main.ts, a real
// process) on an empty data directory to a home page listing papers: the
// bundled sample imported through the importer, the search index built, the
// page served. Crawler off (no network); three runs, each on a fresh directory.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, freePort, tempDir } from '../tests/helpers.ts';

async function once(): Promise<{ ms: number; papers: string }> {
  const dir = tempDir('papers-bench-start-');
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir.path, PORT: String(port), HOST: '127.0.0.1', CRAWL: 'off', SAMPLE: 'on' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}`);
      try {
        const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        const m = /([\d,]+) papers/.exec(html);
        if (m && m[1] !== '0') return { ms: performance.now() - t0, papers: m[1] };
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    dir.cleanup();
  }
}

const runs: number[] = [];
let papers = '';
for (let i = 0; i < 3; i++) {
  const r = await once();
  runs.push(r.ms);
  papers = r.papers;
}
runs.sort((a, b) => a - b);
console.log(`npm start on an empty DATA_DIR to a home page with ${papers} papers: median ${(runs[1] / 1000).toFixed(1)} s (runs: ${runs.map((x) => (x / 1000).toFixed(1)).join(', ')} s)`);
