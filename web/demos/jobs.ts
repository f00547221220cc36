// The messages between a demo page and demo.worker.ts; runJob is also called directly on
// the main thread for small inputs, so both paths run the same code.
import type { Mat } from './core/matrix.ts';
import { lowRankReport, topkReport, msignReport, entropyReport, type LowRankReport, type TopkReport, type MsignReport, type EntropyReport } from './compute.ts';
import type { EntropySpec } from '../../lib/demos.ts';

export type Job =
  | { kind: 'lowRank'; A: Mat; r: number }
  | { kind: 'topk'; x: number[]; k: number; tau: number }
  | { kind: 'msign'; M: Mat; schedule: string; renorm: boolean }
  | { kind: 'entropy'; spec: EntropySpec };

export type JobResult = LowRankReport | TopkReport | MsignReport | EntropyReport;

export interface JobRequest {
  id: number;
  job: Job;
}

export type JobResponse = { id: number; ok: true; result: JobResult; ms: number } | { id: number; ok: false; error: string };

export function runJob(job: Job): JobResult {
  switch (job.kind) {
    case 'lowRank':
      return lowRankReport(job.A, job.r);
    case 'topk':
      return topkReport(job.x, job.k, job.tau);
    case 'msign':
      return msignReport(job.M, job.schedule, job.renorm);
    case 'entropy':
      return entropyReport(job.spec);
  }
}

/** Rough work size, to decide whether the page hands the job to the worker. */
export function jobSize(job: Job): number {
  switch (job.kind) {
    case 'lowRank':
      return job.A.rows * job.A.cols;
    case 'msign':
      return job.M.rows * job.M.cols;
    case 'topk':
      return job.x.length * 60;
    case 'entropy':
      return (job.spec.maxN * job.spec.queries * job.spec.d) / 16;
  }
}
