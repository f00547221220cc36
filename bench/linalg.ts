// npm run bench:linalg — SVD, pinv and pivoted QR / ID of web/demos/core against NumPy/SciPy
// (Debian's python3-numpy / python3-scipy, installed with apt-get if missing) on the same
// Gaussian matrices in the same run; then the demo interactions at their default sizes.
// Prints a table and rewrites the "## Linear algebra" section of BENCHMARKS.md.
// Flags: --sizes=200,500,1000  --no-write
import { spawnSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Matrix, SVD } from 'ml-matrix';
import { gaussianMatrix } from '../web/demos/core/random.ts';
import { svd, singularValues } from '../web/demos/core/svd.ts';
import { pinv } from '../web/demos/core/pinv.ts';
import { pivotedQr } from '../web/demos/core/qr.ts';
import { interpDecomp } from '../web/demos/core/id.ts';
import { toRows, type Mat } from '../web/demos/core/matrix.ts';
import { DEMO_TIMINGS } from '../web/demos/compute.ts';

const ROOT = join(import.meta.dirname, '..');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const args = process.argv.slice(2);
const sizes = (args.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '200,500,1000').split(',').map(Number);
const REPS: Record<number, number> = { 200: 11, 500: 7, 1000: 5 };
const reps = (n: number) => REPS[n] ?? 5;

function ensurePython(): void {
  const ok = () => spawnSync(PY, ['-c', 'import numpy, scipy.linalg.interpolative'], { stdio: 'ignore' }).status === 0;
  if (ok()) return;
  console.log('installing python3-numpy python3-scipy with apt-get …');
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-numpy', 'python3-scipy'], { stdio: 'inherit' });
  if (r.status !== 0 || !ok()) throw new Error('python3 with numpy and scipy is needed (apt-get install python3-numpy python3-scipy)');
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown, n: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    ts.push((performance.now() - t) / 1000);
  }
  return median(ts);
}

type Op = 'svd' | 'svd_values' | 'pinv' | 'pivoted_qr' | 'id';
const OPS: { key: Op; label: string; js: (A: Mat) => unknown; numpy: string }[] = [
  { key: 'svd', label: 'thin SVD with U, V', js: (A) => svd(A), numpy: 'np.linalg.svd(A, full_matrices=False)' },
  { key: 'svd_values', label: 'singular values only', js: (A) => singularValues(A), numpy: 'np.linalg.svd(A, compute_uv=False)' },
  { key: 'pinv', label: 'pinv', js: (A) => pinv(A), numpy: 'np.linalg.pinv(A)' },
  { key: 'pivoted_qr', label: 'pivoted QR (R, all n steps)', js: (A) => pivotedQr(A), numpy: "scipy.linalg.qr(A, pivoting=True, mode='r')" },
  { key: 'id', label: 'ID, k = n/2', js: (A) => interpDecomp(A, A.cols / 2), numpy: 'interp_decomp(A, n//2, rand=False)' },
];

ensurePython();
const dir = mkdtempSync(join(tmpdir(), 'bench-linalg-'));
try {
  const mats = new Map<number, Mat>();
  const spec = sizes.map((n) => {
    const A = gaussianMatrix(n, n, 1000 + n);
    mats.set(n, A);
    const path = join(dir, `A${n}.f64`);
    writeFileSync(path, Buffer.from(A.data.buffer));
    return { n, reps: reps(n), path };
  });
  console.log(`NumPy/SciPy (${PY}) in a persistent process, alternating with our code …`);
  const py = spawn(PY, [join(ROOT, 'bench', 'linalg_ref.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the python helper exited');
    return JSON.parse(r.value as string);
  };
  const ref = (await nextLine()) as { numpy: string; scipy: string };
  const numpyOnce = async (op: Op, n: number): Promise<number> => {
    py.stdin!.write(JSON.stringify({ op, n, path: spec.find((x) => x.n === n)!.path, reps: 1, warm: false }) + '\n');
    return ((await nextLine()) as { seconds: number }).seconds;
  };
  const jsOnce = (fn: () => unknown) => {
    const t = performance.now();
    fn();
    return (performance.now() - t) / 1000;
  };
  /** Paired rounds (NumPy, then ours) so a burst of load from other processes hits both sides. */
  const paired = async (op: Op, n: number, fn: () => unknown) => {
    await numpyOnce(op, n);
    fn();
    const np: number[] = [], js: number[] = [], ratio: number[] = [];
    for (let i = 0; i < reps(n); i++) {
      const a = await numpyOnce(op, n);
      const b = jsOnce(fn);
      np.push(a);
      js.push(b);
      ratio.push(b / a);
    }
    return { np: median(np), js: median(js), ratio: median(ratio) };
  };

  const rows: string[] = [];
  const goal: { label: string; n: number; ratio: number }[] = [];
  for (const n of sizes) {
    const A = mats.get(n)!;
    for (const op of OPS) {
      console.log(`${op.key} n=${n} …`);
      const r = await paired(op.key, n, () => op.js(A));
      rows.push(`| ${op.label} | ${n} | ${(r.js * 1000).toFixed(1)} | ${(r.np * 1000).toFixed(1)} | ${r.ratio.toFixed(1)}× |`);
      if (n === 200 || n === 500) goal.push({ label: `${op.label} at ${n}`, n, ratio: r.ratio });
      if (op.key === 'svd' && n <= 500) {
        const M = new Matrix(toRows(A));
        const ml = await paired('svd', n, () => new SVD(M, { autoTranspose: true }));
        rows.push(`| ml-matrix SVD with U, V (for choosing) | ${n} | ${(ml.js * 1000).toFixed(1)} | ${(ml.np * 1000).toFixed(1)} | ${ml.ratio.toFixed(1)}× |`);
      }
    }
  }
  py.stdin!.end();
  const demoRows = DEMO_TIMINGS.map((d) => {
    const ms = time(d.run, 7) * 1000;
    return `| ${d.label} | ${ms.toFixed(1)} | ${ms < 100 ? 'yes' : 'no'} |`;
  });

  const section = [
    '## Linear algebra',
    '',
    `Command: \`npm run bench:linalg\` (sizes: ${sizes.join(', ')}). Square Gaussian matrices, the same matrix for both sides; per operation a warm-up run, then ${sizes.map(reps).join('/')} paired rounds (one NumPy/SciPy run, then one of ours); the table gives the median times and the median of the per-round ratios.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; reference NumPy ${ref.numpy} / SciPy ${ref.scipy} (${PY}).`,
    `Recorded ${new Date().toISOString().slice(0, 16)}Z; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (the machine is shared; pairing the runs makes the ratio robust to load bursts, the absolute times less so).`,
    '',
    '| operation | n | ours (ms) | NumPy/SciPy (ms) | ratio (median of pairs) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Goal (issue 5): within 3× of NumPy/SciPy at n = 200 and 500. Met: ${goal.filter((g) => g.ratio <= 3).map((g) => g.label).join(', ') || 'none'}. Not met: ${goal.filter((g) => g.ratio > 3).map((g) => `${g.label} (${g.ratio.toFixed(1)}×)`).join(', ') || 'none'}.`,
    'Why: NumPy calls LAPACK through OpenBLAS (divide-and-conquer SVD, blocked BLAS-3 Householder steps, SIMD, both cores); ours is single-threaded scalar JavaScript. ' +
      'What ours does: a two-pass fused Householder bidiagonalisation (one pass forms A·e, one applies both reflectors as a rank-2 update while taking the next step\'s dot products), U and V formed with compact-WY blocks of four reflectors, ' +
      'implicit QR sweeps with LAPACK\'s deflation tolerance and known singular values (from a cheap values-only run) as shifts, each sweep\'s rotations applied afterwards six at a time, and a register-blocked 3×4 matrix product for pinv. ' +
      'The rest of the gap is the algorithm: the QR sweeps still rotate U and V about n²/2 times (≈ 6n³ flops), where LAPACK\'s divide and conquer spends mostly matrix products. ml-matrix (the LINPACK algorithm on nested arrays) is several times slower than ours, so the core does not use it.',
    '',
    'Demo interactions at their default sizes (what one input change costs in the page or its worker):',
    '',
    '| interaction | ms (median of 7) | under 100 ms |',
    '| --- | --- | --- |',
    ...demoRows,
    '',
  ].join('\n');
  console.log('\n' + section);
  if (!args.includes('--no-write')) {
    const file = join(ROOT, 'BENCHMARKS.md');
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const re = /## Linear algebra\n[\s\S]*?(?=\n## |$)/;
    const next = re.test(current) ? current.replace(re, section) : current.replace(/\n*$/, '\n\n') + section;
    writeFileSync(file, next);
    console.log('wrote the "## Linear algebra" section of BENCHMARKS.md');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
