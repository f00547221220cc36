// The server's typesetting thread: MathJax off the request loop, at a lower
// CPU priority. Typesetting a formula costs ~4 ms and a page of new papers
// holds dozens; on the loop that time held up every reader, and under load
// (an import, a burst of requests) it was most of what made them wait. Here
// the operating system gives the thread only the time the loop and the
// search thread leave, and pages wait for it at most their budget (see
// renderWithMath in server/math.ts). One module, both sides: the class runs
// in the server, the bottom of the file in the thread.
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { typeset, type BackgroundTypesetter, type Typeset } from './math.ts';
import { answerCalls, lowerPriority, startTsWorker, ThreadCalls } from '../lib/threads.ts';

/** How much lower than the server the thread runs (a nice value: 0 normal, 19 lowest). */
export const MATH_THREAD_NICE = 10;

type Item = readonly [string, boolean];

export class MathWorker implements BackgroundTypesetter {
  private readonly calls: ThreadCalls;

  private constructor(private readonly worker: Worker) {
    // Idle, it must not keep the process alive; with a request out, it must.
    worker.unref();
    this.calls = new ThreadCalls(worker, worker, 'math thread', { onBusy: (busy) => (busy ? worker.ref() : worker.unref()) });
  }

  /** Starts the thread and waits until MathJax is loaded in it. */
  static start(): Promise<MathWorker> {
    const worker = startTsWorker(import.meta.url, { workerData: { role: 'math' } });
    return new Promise((resolve, reject) => {
      worker.once('message', (m: { ready?: true }) => (m.ready ? resolve(new MathWorker(worker)) : reject(new Error('math thread sent no ready'))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`math thread exited (${code}) before it was ready`)));
    });
  }

  /** Whether the thread has died (pages then show formulas as source, for the browser to fill). */
  get failed(): boolean {
    return this.calls.failed;
  }

  typeset(items: readonly Item[]): Promise<Typeset[]> {
    return this.calls.send({ items: [...items] }) as Promise<Typeset[]>;
  }

  async close(): Promise<void> {
    this.calls.failAll(new Error('math thread closed'));
    await this.worker.terminate();
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'math' && parentPort) {
  const port = parentPort;
  lowerPriority(MATH_THREAD_NICE, 'self');
  // Load MathJax now rather than on the first page that needs it.
  typeset('x', false);
  // typeset() never throws: a formula MathJax rejects comes back marked as an error.
  answerCalls(port, ({ items }: { id: number; items: Item[] }) => items.map(([tex, display]) => typeset(tex, display)));
  port.postMessage({ ready: true });
}
