// Jobs in the server: at most `concurrency` run at once, the rest wait in
// line in arrival order. One key is one job however many readers ask for it;
// a job runs to its end whether or not anyone is still listening.
//
// Each job keeps the text streamed so far, so a reader who arrives (or comes
// back) mid-way sees everything, and tells its listeners what happens:
// its place in line, each streamed piece, a restart after a provider fault
// (drop what was shown), the end.

export type JobStatus = 'queued' | 'running' | 'done' | 'error';

export type JobEvent =
  | { type: 'status'; status: JobStatus; position: number }
  | { type: 'delta'; text: string }
  | { type: 'reset'; reason: string }
  | { type: 'done' }
  | { type: 'error'; message: string };

export class Job<S> {
  status: JobStatus = 'queued';
  /** What the model has written so far in the current attempt. */
  text = '';
  error: string | null = null;
  readonly createdAt = Date.now();
  private readonly listeners = new Set<(e: JobEvent) => void>();

  constructor(
    readonly key: string,
    readonly spec: S,
  ) {}

  /** Hears every later event; returns the unsubscribe. */
  listen(fn: (e: JobEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(e: JobEvent): void {
    if (e.type === 'delta') this.text += e.text;
    else if (e.type === 'reset') this.text = '';
    for (const fn of [...this.listeners]) {
      try {
        fn(e);
      } catch {
        // A listener's fault (a closed connection) is its own.
      }
    }
  }
}

/** Runs one job to its end; resolves when the result is kept, rejects with the message to show. */
export type JobRunner<S> = (job: Job<S>) => Promise<void>;

export class JobQueue<S> {
  private readonly jobs = new Map<string, Job<S>>();
  private readonly waiting: Job<S>[] = [];
  private running = 0;
  /** How long a failed job stays visible (its error and "try again") before the key is free again anyway. */
  private readonly errorKeepMs: number;

  constructor(
    private readonly concurrency: number,
    private readonly run: JobRunner<S>,
    opts: { errorKeepMs?: number } = {},
  ) {
    this.errorKeepMs = opts.errorKeepMs ?? 10 * 60_000;
  }

  get(key: string): Job<S> | undefined {
    return this.jobs.get(key);
  }

  /** Jobs that start before this one (those running and those ahead in line); 0 once it runs. */
  position(job: Job<S>): number {
    if (job.status !== 'queued') return 0;
    const i = this.waiting.indexOf(job);
    return (i < 0 ? 0 : i) + this.running;
  }

  /** Joins the job under `key` if one is queued or running, else queues a new one (a failed one is replaced). */
  enqueue(key: string, spec: S): { job: Job<S>; created: boolean } {
    const have = this.jobs.get(key);
    if (have && (have.status === 'queued' || have.status === 'running')) return { job: have, created: false };
    const job = new Job(key, spec);
    this.jobs.set(key, job);
    this.waiting.push(job);
    this.pump();
    if (job.status === 'queued') job.emit({ type: 'status', status: 'queued', position: this.position(job) });
    return { job, created: true };
  }

  /** Queued and running jobs. */
  get size(): number {
    return this.waiting.length + this.running;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.running++;
      job.status = 'running';
      job.emit({ type: 'status', status: 'running', position: 0 });
      void this.run(job).then(
        () => {
          job.status = 'done';
          job.emit({ type: 'done' });
          if (this.jobs.get(job.key) === job) this.jobs.delete(job.key);
        },
        (err: unknown) => {
          job.status = 'error';
          job.error = err instanceof Error ? err.message : String(err);
          job.emit({ type: 'error', message: job.error });
          setTimeout(() => {
            if (this.jobs.get(job.key) === job) this.jobs.delete(job.key);
          }, this.errorKeepMs).unref();
        },
      ).finally(() => {
        this.running--;
        this.pump();
      });
      // Everyone still in line moved up one.
      this.waiting.forEach((w) => w.emit({ type: 'status', status: 'queued', position: this.position(w) }));
    }
  }
}
