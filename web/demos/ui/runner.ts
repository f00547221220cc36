// Runs a job inline when it is small and in the worker when it is large; only the newest
// request's answer is delivered, so fast typing never shows stale results.
import { runJob, jobSize, type Job, type JobResult, type JobResponse } from '../jobs.ts';
import { WORKER_THRESHOLD } from '../compute.ts';

export interface RunOutcome {
  result: JobResult;
  ms: number;
  where: 'worker' | 'main thread';
}

let worker: Worker | null = null;
let seq = 0;
const pending = new Map<number, (r: JobResponse) => void>();

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker('/static/demo.worker.js', { type: 'module' });
    worker.onmessage = (e: MessageEvent<JobResponse>) => {
      const done = pending.get(e.data.id);
      pending.delete(e.data.id);
      done?.(e.data);
    };
  }
  return worker;
}

/** Resolves with the outcome, or null when a newer request superseded this one. */
export async function run(job: Job): Promise<RunOutcome | null> {
  const id = ++seq;
  if (jobSize(job) <= WORKER_THRESHOLD) {
    // Yield once so the browser paints the "computing" status first.
    await new Promise((r) => setTimeout(r, 0));
    if (id !== seq) return null;
    const t = performance.now();
    const result = runJob(job);
    return { result, ms: performance.now() - t, where: 'main thread' };
  }
  const t = performance.now();
  const res = await new Promise<JobResponse>((resolve) => {
    pending.set(id, resolve);
    getWorker().postMessage({ id, job });
  });
  if (id !== seq) return null;
  if (!res.ok) throw new Error(res.error);
  return { result: res.result, ms: performance.now() - t, where: 'worker' };
}
