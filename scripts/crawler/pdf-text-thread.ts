// Worker thread: the text layer of one PDF with pdfjs-dist, page by page.
// Runs in a thread of its own (scripts/crawler/pdf-text.ts starts it), so a
// large or hostile PDF costs that thread, never the server's request loop.
import { parentPort, workerData } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export type PdfTextReply = { ok: true; pages: string[] } | { ok: false; reason: string };

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

async function extract(data: Uint8Array): Promise<PdfTextReply> {
  // No eval, no fonts loaded, no network: text positions and strings are all we read.
  const doc = await getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false }).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items as TextItemLike[]) {
        if (typeof item.str === 'string') text += item.str;
        if (item.hasEOL) text += '\n';
      }
      pages.push(text);
      page.cleanup();
    }
    return { ok: true, pages };
  } finally {
    await doc.destroy();
  }
}

const data = (workerData as { data: Uint8Array }).data;
extract(new Uint8Array(data))
  .catch((err: unknown): PdfTextReply => ({ ok: false, reason: (err as Error)?.message ?? String(err) }))
  .then((reply) => parentPort!.postMessage(reply));
