// A local stand-in for an OpenAI-compatible chat-completions service: it
// "translates" by upper-casing words (placeholders kept), can be told to
// mangle placeholders in some sentences, and records every request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubLlm {
  url: string;
  requests: { auth: string | undefined; model: string; texts: string[] }[];
  close: () => Promise<void>;
}

export function stubTranslate(s: string): string {
  return s
    .split(/(\[\[M\d+\]\])/)
    .map((part) => (/^\[\[M\d+\]\]$/.test(part) ? part : part.replace(/[A-Za-z]+/g, (w) => w.toUpperCase())))
    .join('');
}

/** `mangle(text)` true: that item comes back with its placeholders altered. */
export async function startStubLlm(opts: { mangle?: (text: string) => boolean } = {}): Promise<StubLlm> {
  const requests: StubLlm['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const msg = JSON.parse(body) as { model: string; messages: { role: string; content: string }[] };
      const texts = JSON.parse(msg.messages[msg.messages.length - 1].content) as string[];
      requests.push({ auth: req.headers.authorization, model: msg.model, texts });
      const out = texts.map((t) => (opts.mangle?.(t) ? stubTranslate(t).replace(/\[\[M(\d+)\]\]/g, '[M$1]') : stubTranslate(t)));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: '```json\n' + JSON.stringify(out) + '\n```' } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
