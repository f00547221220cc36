// Runs demo jobs off the main thread so large inputs never freeze the page.
import { runJob, type JobRequest, type JobResponse } from './jobs.ts';

const ctx = self as unknown as { onmessage: ((e: MessageEvent<JobRequest>) => void) | null; postMessage: (m: JobResponse) => void };

ctx.onmessage = (e) => {
  const { id, job } = e.data;
  const t = performance.now();
  try {
    const result = runJob(job);
    ctx.postMessage({ id, ok: true, result, ms: performance.now() - t });
  } catch (err) {
    ctx.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
