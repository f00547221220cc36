// The server's typesetting thread: MathJax off the request loop, at a lower
// CPU priority. A new formula costs ~4 ms and a page of new papers holds
// dozens; on the loop that held up every reader. Here the operating system
// gives the thread only the time the loop and the search thread leave.
//
// Readers go first: the thread typesets one formula at a time and, between
// formulas, takes the oldest waiting call of the highest priority, so a page's
// formulas ('reader') never queue behind the background fill ('fill') for
// more than the formula in hand. One module, both sides: the class runs in
// the server, the bottom of the file in the thread.
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { typeset, type Typeset } from './typeset.ts';
import { answerCalls, lowerPriority, startTsWorker, ThreadCalls } from '../../lib/threads.ts';

/** How much lower than the server the thread runs (a nice value: 0 normal, 19 lowest). */
export const MATH_THREAD_NICE = 10;

export type MathItem = readonly [tex: string, display: boolean];
/** `reader`: formulas a page or a client waits for; `fill`: the background pass. */
export type MathPriority = 'reader' | 'fill';

/** Something that typesets formulas away from the request loop (the thread below; tests pass their own). */
export interface BackgroundTypesetter {
  typeset(items: readonly MathItem[], priority: MathPriority): Promise<Typeset[]>;
  /** True once it cannot typeset any more: pages then typeset on the loop again. */
  readonly failed: boolean;
}

export class MathThread implements BackgroundTypesetter {
  private readonly calls: ThreadCalls;

  private constructor(private readonly worker: Worker) {
    // Idle, it must not keep the process alive; with a request out, it must.
    worker.unref();
    this.calls = new ThreadCalls(worker, worker, 'math thread', { onBusy: (busy) => (busy ? worker.ref() : worker.unref()) });
  }

  /** Starts the thread and waits until MathJax is loaded in it. */
  static start(): Promise<MathThread> {
    const worker = startTsWorker(import.meta.url, { workerData: { role: 'math' } });
    return new Promise((resolve, reject) => {
      worker.once('message', (m: { ready?: true }) => (m.ready ? resolve(new MathThread(worker)) : reject(new Error('math thread sent no ready'))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`math thread exited (${code}) before it was ready`)));
    });
  }

  /** Whether the thread has died (pages then typeset on the loop, within their budget). */
  get failed(): boolean {
    return this.calls.failed;
  }

  typeset(items: readonly MathItem[], priority: MathPriority = 'reader'): Promise<Typeset[]> {
    return this.calls.send({ items: [...items], priority }) as Promise<Typeset[]>;
  }

  async close(): Promise<void> {
    this.calls.failAll(new Error('math thread closed'));
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------- the thread

interface Job {
  items: MathItem[];
  done: Typeset[];
  resolve: (t: Typeset[]) => void;
}

/** Waiting calls per priority, and one formula typeset per turn of the thread's event loop. */
class Queue {
  private readonly waiting: Record<MathPriority, Job[]> = { reader: [], fill: [] };
  private running = false;

  add(items: MathItem[], priority: MathPriority): Promise<Typeset[]> {
    return new Promise((resolve) => {
      this.waiting[priority === 'fill' ? 'fill' : 'reader'].push({ items, done: [], resolve });
      if (!this.running) {
        this.running = true;
        setImmediate(() => this.step());
      }
    });
  }

  private step(): void {
    const job = this.waiting.reader[0] ?? this.waiting.fill[0];
    if (!job) {
      this.running = false;
      return;
    }
    if (job.done.length < job.items.length) {
      const [tex, display] = job.items[job.done.length];
      // typeset() never throws: a formula MathJax rejects comes back marked as an error.
      job.done.push(typeset(tex, display));
    }
    if (job.done.length === job.items.length) {
      (this.waiting.reader[0] === job ? this.waiting.reader : this.waiting.fill).shift();
      job.resolve(job.done);
    }
    // Back to the event loop: calls that arrived meanwhile are queued before the next formula.
    setImmediate(() => this.step());
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'math' && parentPort) {
  const port = parentPort;
  lowerPriority(MATH_THREAD_NICE, 'self');
  // Load MathJax now rather than on the first page that needs it.
  typeset('x', false);
  const queue = new Queue();
  answerCalls(port, ({ items, priority }: { id: number; items: MathItem[]; priority: MathPriority }) => queue.add(items, priority));
  port.postMessage({ ready: true });
}
