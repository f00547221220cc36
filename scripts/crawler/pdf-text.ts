// The text of a PDF, read by pdfjs-dist in a worker thread of its own (one
// per PDF, ended when done): a bounded heap and a time limit, so a hostile
// or huge file fails on its own and never stalls or crashes the caller.
import { startTsWorker } from '../../lib/threads.ts';
import type { PdfTextReply } from './pdf-text-thread.ts';

export interface PdfTextOptions {
  /** The thread is ended after this long. */
  timeoutMs?: number;
  /** The thread's heap limit. */
  maxHeapMb?: number;
}

/** The text of each page, or why there is none. Never throws. */
export function pdfPagesText(bytes: Uint8Array, opts: PdfTextOptions = {}): Promise<PdfTextReply> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: PdfTextReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    // A copy goes to the thread (transferred, so not copied twice); the caller keeps its bytes.
    const data = new Uint8Array(bytes);
    const worker = startTsWorker(new URL('./pdf-text-thread.ts', import.meta.url), {
      workerData: { data },
      transferList: [data.buffer],
      resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb ?? 512 },
    });
    const timer = setTimeout(() => finish({ ok: false, reason: `text extraction took longer than ${opts.timeoutMs ?? 60_000} ms` }), opts.timeoutMs ?? 60_000);
    worker.once('message', (r: PdfTextReply) => finish(r));
    worker.once('error', (err) => finish({ ok: false, reason: `text extraction failed: ${err.message}` }));
    worker.once('exit', (code) => finish({ ok: false, reason: `text extraction ended early (exit ${code})` }));
  });
}
