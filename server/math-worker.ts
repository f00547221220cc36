// The server's typesetting thread: MathJax off the request loop, at a lower
// CPU priority. Typesetting a formula costs ~4 ms and a page of new papers
// holds dozens; on the loop that time held up every reader, and under load
// (an import, a burst of requests) it was most of what made them wait. Here
// the operating system gives the thread only the time the loop and the
// search thread leave, and pages wait for it at most their budget (see
// renderWithMath in server/math.ts). One module, both sides: the class runs
// in the server, the bottom of the file in the thread.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { typeset, type BackgroundTypesetter, type Typeset } from './math.ts';

/** How much lower than the server the thread runs (a nice value: 0 normal, 19 lowest). */
export const MATH_THREAD_NICE = 10;

type Item = readonly [string, boolean];
type Request = { id: number; items: Item[] };
type Reply = { id: number; results: Typeset[] };

export class MathWorker implements BackgroundTypesetter {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Typeset[]) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!this.pending.size) worker.unref();
      call?.resolve(reply.results);
    });
    worker.on('exit', (code) => this.failAll(new Error(`math thread exited (${code})`)));
    worker.on('error', (err) => this.failAll(new Error(`math thread failed: ${err.message}`)));
    // Idle, it must not keep the process alive; with a request out, it must.
    worker.unref();
  }

  /** Starts the thread and waits until MathJax is loaded in it. */
  static start(): Promise<MathWorker> {
    // Workers do not inherit tsx's loader: register it, then load this module.
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { role: 'math' } });
    return new Promise((resolve, reject) => {
      worker.once('message', (m: { ready?: true }) => (m.ready ? resolve(new MathWorker(worker)) : reject(new Error('math thread sent no ready'))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`math thread exited (${code}) before it was ready`)));
    });
  }

  /** Whether the thread has died (pages then show formulas as source, for the browser to fill). */
  get failed(): boolean {
    return this.dead !== null;
  }

  typeset(items: readonly Item[]): Promise<Typeset[]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, items: [...items] } satisfies Request);
    });
  }

  async close(): Promise<void> {
    this.failAll(new Error('math thread closed'));
    await this.worker.terminate();
  }

  private failAll(err: Error): void {
    this.dead ??= err;
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}

/**
 * Lowers this thread's CPU priority. On Linux a nice value belongs to a
 * thread, found through /proc/thread-self; elsewhere the thread keeps the
 * process's priority.
 */
function lowerThisThread(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    /* no /proc or not permitted: normal priority */
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'math' && parentPort) {
  const port = parentPort;
  lowerThisThread(MATH_THREAD_NICE);
  // Load MathJax now rather than on the first page that needs it.
  typeset('x', false);
  port.on('message', (req: Request) => {
    // typeset() never throws: a formula MathJax rejects comes back marked as an error.
    port.postMessage({ id: req.id, results: req.items.map(([tex, display]) => typeset(tex, display)) } satisfies Reply);
  });
  port.postMessage({ ready: true });
}
