// Worker-thread plumbing shared by the search thread (search/worker.ts), the
// math thread (server/math/thread.ts) and the importer (scripts/import.ts):
// starting a thread on a .ts module, calls into it as messages with ids
// answered by promises, and thread priorities.
import { Worker, type MessagePort, type WorkerOptions } from 'node:worker_threads';
import { readdirSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** A worker running a .ts module: workers do not inherit tsx's loader, so it is registered first. */
export function startTsWorker(module: URL | string, options: WorkerOptions = {}): Worker {
  const href = typeof module === 'string' ? module : module.href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

export type Reply = { id: number } & ({ ok: true; value: unknown } | { ok: false; name: string; message: string });

/**
 * The thread's side: answers each `{id, ...}` message with `handle`'s value
 * (awaited when it is a promise, so replies may come back in another order
 * than the calls), or with the error it threw or rejected with.
 */
export function answerCalls<M extends { id: number }>(port: MessagePort, handle: (message: M) => unknown): void {
  const fail = (id: number, err: unknown): Reply => ({ id, ok: false, name: (err as Error).name, message: (err as Error).message });
  port.on('message', (message: M) => {
    let value: unknown;
    try {
      value = handle(message);
    } catch (err) {
      return port.postMessage(fail(message.id, err));
    }
    if (!(value instanceof Promise)) return port.postMessage({ id: message.id, ok: true, value } satisfies Reply);
    value.then(
      (v) => port.postMessage({ id: message.id, ok: true, value: v } satisfies Reply),
      (err) => port.postMessage(fail(message.id, err)),
    );
  });
}

/**
 * The caller's side: each call is a message with a fresh id and a promise for
 * its reply. A thread that exits or fails rejects what it owed, and every
 * later call.
 */
export class ThreadCalls {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  constructor(
    worker: Worker,
    private readonly port: MessagePort | Worker,
    what: string,
    private readonly opts: {
      /** The error a failed reply becomes (default: a plain Error with its message). */
      errorOf?: (reply: { name: string; message: string }) => Error;
      /** Told when the first call goes out and when the last reply is in. */
      onBusy?: (busy: boolean) => void;
    } = {},
  ) {
    port.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      if (!this.pending.size) opts.onBusy?.(false);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(opts.errorOf?.(reply) ?? new Error(reply.message));
    });
    worker.on('exit', (code) => this.failAll(new Error(`${what} exited (${code})`)));
    worker.on('error', (err) => this.failAll(new Error(`${what} failed: ${err.message}`)));
  }

  /** Whether the thread has died. */
  get failed(): boolean {
    return this.dead !== null;
  }

  send(message: object): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.pending.size) this.opts.onBusy?.(true);
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ ...message, id });
    });
  }

  /** Rejects every outstanding and later call with `err`. */
  failAll(err: Error): void {
    this.dead ??= err;
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}

/**
 * Lowers the CPU priority of this thread (`self`) or of every thread of the
 * process (`all`: V8's collector and compiler threads start with it, and
 * threads started later inherit the value). On Linux a nice value belongs to
 * a thread; where /proc is missing only the calling thread changes, and
 * where it is not permitted nothing does.
 */
export function lowerPriority(nice: number, which: 'self' | 'all'): void {
  let tids = [0];
  try {
    tids = which === 'all' ? readdirSync('/proc/self/task').map(Number) : [Number(readlinkSync('/proc/thread-self').split('/').pop())];
  } catch {
    /* no /proc: 0 is the calling thread */
  }
  for (const tid of tids) {
    try {
      setPriority(tid, nice);
    } catch {
      /* not permitted here: that thread keeps its priority */
    }
  }
}
