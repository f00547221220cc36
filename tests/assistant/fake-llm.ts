// A fake OpenAI-compatible chat-completions service on 127.0.0.1 for the
// reading assistant's tests. It streams its reply as server-sent events in
// small pieces, and can be told, request by request, to misbehave: drop the
// connection mid-stream, answer 429 with Retry-After, 500, send malformed
// chunks, an empty reply or a refusal, or answer plain JSON. It records what
// it was sent, and `hold()` keeps the next streams waiting until released.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'stream' | 'drop' | '429' | '500' | 'malformed' | 'empty' | 'refuse' | 'json' | 'stall';

export interface FakeRequest {
  auth: string | undefined;
  model: string;
  stream: boolean;
  messages: { role: string; content: string }[];
  mode: FakeMode;
  at: number;
}

export interface FakeLlm {
  url: string;
  requests: FakeRequest[];
  /** The next requests behave like these, in order; after them, `stream`. */
  script(...modes: FakeMode[]): void;
  /** Streams wait after their first piece until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** The reply's text for a request; default: a six-part answer with formulas. */
  reply?: (messages: FakeRequest['messages']) => string;
  /** Characters per streamed piece. */
  pieceChars?: number;
  /** Pause between pieces (or a pause per request). */
  pieceDelayMs?: number | ((messages: FakeRequest['messages']) => number);
  /** Retry-After (seconds) sent with a 429. */
  retryAfterS?: number;
}

export const DEFAULT_REPLY = [
  '### What problem does this paper try to solve?',
  'It studies how the loss $L_{\\text{train}}$ behaves when $a_b$ grows, with \\(x^2 + y^2\\) as the radius.',
  '',
  '### How does the paper solve the problem?',
  'By minimising',
  '',
  '$$\\sum_{i=1}^{n} w_i \\, \\ell(x_i)$$',
  '',
  '- a list item with `code_with_underscores`',
  '- another item',
  '',
  '### Summary',
  'A short summary, with **bold** text.',
].join('\n');

function sse(res: ServerResponse, data: string): void {
  res.write(`data: ${data}\n\n`);
}

export async function startFakeLlm(opts: FakeOptions = {}): Promise<FakeLlm> {
  const requests: FakeRequest[] = [];
  const modes: FakeMode[] = [];
  let held: Promise<void> | null = null;
  let releaseHeld = () => {};
  const sockets = new Set<import('node:net').Socket>();
  const pieceChars = opts.pieceChars ?? 12;
  const delayOf = (m: FakeRequest['messages']) => (typeof opts.pieceDelayMs === 'function' ? opts.pieceDelayMs(m) : (opts.pieceDelayMs ?? 2));

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const msg = JSON.parse(body) as { model: string; stream?: boolean; messages: FakeRequest['messages'] };
      const mode = modes.shift() ?? 'stream';
      requests.push({ auth: req.headers.authorization, model: msg.model, stream: !!msg.stream, messages: msg.messages, mode, at: Date.now() });
      const reply = (opts.reply ?? (() => DEFAULT_REPLY))(msg.messages);
      const delay = delayOf(msg.messages);
      if (mode === '429') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(opts.retryAfterS ?? 0) }).end('{"error":{"message":"slow down"}}');
        return;
      }
      if (mode === '500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
        return;
      }
      if (mode === 'json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: reply }, finish_reason: 'stop' }] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (mode === 'stall') return; // headers, then nothing: the client's idle timeout must end it
      const chunk = (content: string, finish: string | null = null) =>
        JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
      sse(res, JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] }));
      if (mode === 'empty') {
        sse(res, chunk('', 'stop'));
        sse(res, '[DONE]');
        res.end();
        return;
      }
      if (mode === 'refuse') {
        sse(res, JSON.stringify({ choices: [{ index: 0, delta: { refusal: 'I cannot help with that.' }, finish_reason: null }] }));
        sse(res, '[DONE]');
        res.end();
        return;
      }
      const pieces: string[] = [];
      for (let i = 0; i < reply.length; i += pieceChars) pieces.push(reply.slice(i, i + pieceChars));
      for (let i = 0; i < pieces.length; i++) {
        if (mode === 'drop' && i === Math.floor(pieces.length / 2)) {
          res.socket?.destroy();
          return;
        }
        if (mode === 'malformed' && i === Math.floor(pieces.length / 2)) {
          sse(res, '{"choices": [ {"delta": {"content": "unterminated');
          continue;
        }
        sse(res, chunk(pieces[i]));
        if (i === 0 && held) await held;
        if (delay) await new Promise((r) => setTimeout(r, delay));
        if (res.destroyed) return;
      }
      sse(res, chunk('', 'stop'));
      sse(res, '[DONE]');
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...m) => modes.push(...m),
    hold() {
      held = new Promise<void>((r) => (releaseHeld = r));
    },
    release() {
      releaseHeld();
      held = null;
    },
    close: () =>
      new Promise<void>((r) => {
        releaseHeld();
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
