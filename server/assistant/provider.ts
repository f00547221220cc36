// The reading assistant's one way to a model: an OpenAI-compatible
// chat-completions service (hosted, or a local Ollama / llama.cpp / vLLM),
// asked with `stream: true` and read as server-sent events through
// eventsource-parser. A service that answers plain JSON instead is read whole.
//
// One call is one attempt; `withRetries` decides what happens after a fault.
// Every fault is a ProviderError that says whether trying again may help
// (429, 5xx, a dropped or stalled stream, malformed chunks, a refusal, an
// empty answer) or not (a 4xx other than 429: wrong URL, key or model).
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatProviderConfig {
  /** Base URL (`…/v1`) or the full `…/chat/completions` endpoint. */
  url: string;
  key?: string;
  model: string;
  /** An attempt fails when nothing arrives for this long (before the first byte or between two chunks). */
  idleTimeoutMs: number;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    /** Whether another attempt may succeed. */
    readonly retryable: boolean,
    /** The service's own `Retry-After`, in ms, when it sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export interface ChatProvider {
  readonly model: string;
  /**
   * One attempt: streams the reply's text to `onDelta` piece by piece and
   * resolves with the whole reply once the service says it finished. Rejects
   * with ProviderError; what was streamed before a rejection is a partial
   * answer the caller must discard.
   */
  complete(messages: readonly ChatMessage[], onDelta: (text: string) => void, signal?: AbortSignal): Promise<string>;
}

interface StreamChunk {
  choices?: { delta?: { content?: unknown; refusal?: unknown }; message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }[];
  error?: { message?: unknown };
}

/** `Retry-After` as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function chatEndpoint(url: string): string {
  return /\/chat\/completions\/?$/.test(url) ? url : url.replace(/\/+$/, '') + '/chat/completions';
}

export function chatProvider(cfg: ChatProviderConfig): ChatProvider {
  const endpoint = chatEndpoint(cfg.url);
  return {
    model: cfg.model,
    async complete(messages, onDelta, signal) {
      const idle = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const touch = () => {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), cfg.idleTimeoutMs);
      };
      const both = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
      touch();
      try {
        let res: Response;
        try {
          res = await fetch(endpoint, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'text/event-stream, application/json',
              ...(cfg.key ? { authorization: `Bearer ${cfg.key}` } : {}),
            },
            body: JSON.stringify({ model: cfg.model, messages, stream: true, temperature: 0.3 }),
            signal: both,
          });
        } catch (err) {
          throw faultOf(err, signal, idle, cfg.idleTimeoutMs, 'could not reach the model service');
        }
        if (!res.ok) {
          await res.body?.cancel().catch(() => {});
          const retryable = res.status === 429 || res.status >= 500 || res.status === 408;
          throw new ProviderError(`model service answered ${res.status}`, retryable, retryAfterMs(res.headers.get('retry-after')));
        }
        const type = res.headers.get('content-type') ?? '';
        if (!type.includes('text/event-stream')) return whole(await res.text(), onDelta);

        let text = '';
        let finished = false;
        let fault: ProviderError | null = null;
        const parser = createParser({
          onEvent(ev: EventSourceMessage) {
            if (fault || finished) return;
            if (ev.data.trim() === '[DONE]') {
              finished = true;
              return;
            }
            let chunk: StreamChunk;
            try {
              chunk = JSON.parse(ev.data) as StreamChunk;
            } catch {
              fault = new ProviderError('model service sent a malformed chunk', true);
              return;
            }
            if (chunk.error) {
              fault = new ProviderError(`model service reported an error mid-stream: ${String(chunk.error.message ?? 'unknown')}`, true);
              return;
            }
            const choice = chunk.choices?.[0];
            if (!choice) return; // keep-alives and usage-only chunks carry no choice
            if (typeof choice.delta?.refusal === 'string' && choice.delta.refusal) {
              fault = new ProviderError('the model refused to answer', true);
              return;
            }
            const piece = choice.delta?.content;
            if (piece != null && typeof piece !== 'string') {
              fault = new ProviderError('model service sent a malformed chunk', true);
              return;
            }
            if (piece) {
              text += piece;
              onDelta(piece);
            }
            if (choice.finish_reason === 'content_filter') fault = new ProviderError('the model refused to answer (content filter)', true);
            else if (typeof choice.finish_reason === 'string') finished = true;
          },
        });
        const decoder = new TextDecoder();
        try {
          for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
            touch();
            parser.feed(decoder.decode(bytes, { stream: true }));
            if (fault) break;
          }
        } catch (err) {
          throw faultOf(err, signal, idle, cfg.idleTimeoutMs, 'the answer stream broke off');
        }
        if (fault) {
          await res.body?.cancel().catch(() => {});
          throw fault;
        }
        if (!finished) throw new ProviderError('the answer stream ended before the model finished', true);
        if (!text.trim()) throw new ProviderError('the model sent an empty answer', true);
        return text;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A non-streaming reply (`stream` ignored by the service): one message, handed on as one piece. */
function whole(body: string, onDelta: (text: string) => void): string {
  let parsed: StreamChunk;
  try {
    parsed = JSON.parse(body) as StreamChunk;
  } catch {
    throw new ProviderError('model service sent a reply that is not JSON', true);
  }
  const msg = parsed.choices?.[0]?.message;
  if (typeof msg?.refusal === 'string' && msg.refusal) throw new ProviderError('the model refused to answer', true);
  const content = msg?.content;
  if (typeof content !== 'string' || !content.trim()) throw new ProviderError('the model sent an empty answer', true);
  onDelta(content);
  return content;
}

function faultOf(err: unknown, outer: AbortSignal | undefined, idle: AbortController, idleMs: number, what: string): Error {
  if (outer?.aborted) return new ProviderError('stopped', false);
  if (idle.signal.aborted) return new ProviderError(`the model service sent nothing for ${idleMs} ms`, true);
  return new ProviderError(`${what}: ${(err as Error).message}`, true);
}

export interface RetryPolicy {
  maxAttempts: number;
  /** First pause; doubled on each retry. */
  backoffMs: number;
  /** Cap on a service's Retry-After. */
  maxRetryAfterMs: number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `maxAttempts` ran.
 * Pauses backoff·2^(n-1), or the service's Retry-After (capped) when longer.
 * `onRetry` hears of each retry before its pause (the caller drops the partial answer there).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry: (err: ProviderError, n: number, pauseMs: number) => void = () => {},
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const e = err instanceof ProviderError ? err : new ProviderError((err as Error).message, false);
      if (!e.retryable || n >= policy.maxAttempts) throw e;
      const backoff = policy.backoffMs * 2 ** (n - 1);
      const pause = Math.max(backoff, Math.min(e.retryAfterMs ?? 0, policy.maxRetryAfterMs));
      onRetry(e, n, pause);
      await sleep(pause);
    }
  }
}
