// The reading assistant's API (server/assistant/):
//   POST /api/faq/<id>?lang=en|zh          start the FAQ job or join the one under way
//   GET  /api/faq/<id>?lang=               where it stands; with the answer (markdown, html, model, …) when done
//   GET  /api/faq/<id>/events?lang=[&q=]   text/event-stream while it runs: state, status, delta, reset, done, error
//   POST /api/faq/<id>/ask   {question, lang}   a reader's own question, the same way
//   GET  /api/faq/<id>/ask?q=…&lang=       where that question stands
//   GET  /api/faq/prompts/<version>        the prompt file an answer was made with (JSON; text at /assistant/prompts/<version>)
// Without a configured provider (LLM_API_URL) each answers 503 naming the variables to set.
// Requests that may spend must be JSON from this site's own pages (CSRF), and
// new answers count against the per-client and daily budgets (ADMIN_TOKEN goes past them).
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import type { RouteDeps } from '../app.ts';
import { getPaper } from '../../db/queries.ts';
import { ARXIV_ID_PATTERN, parseArxivId, type Paper } from '../../db/paper.ts';
import type { Assistant, AssistantState, AnswerView, Ask } from '../assistant/service.ts';
import { SpendBudget } from '../assistant/budget.ts';
import { renderAnswer } from '../assistant/render.ts';
import { FAQ_LANGS, promptFile, type FaqLang } from '../assistant/prompt.ts';
import type { JobEvent } from '../assistant/queue.ts';
import { clientKey, RateLimiter } from './page-util.ts';
import { bearerToken, tokenMatches } from './admin.ts';

const ID = `:id{${ARXIV_ID_PATTERN}}`;
const MAX_QUESTION = 500;
/** Requests that may spend (POSTs, including joins) one client may make per minute. */
const POSTS_PER_MINUTE = 30;

export const NOT_ENABLED = {
  error: 'the reading assistant is not enabled on this server',
  howto: 'set LLM_API_URL (an OpenAI-compatible chat-completions base URL), and LLM_API_KEY and LLM_MODEL as the service needs',
};

/** The options `faqRoutes` needs beyond RouteDeps. */
export interface FaqBudgets {
  clientMax: number;
  dailyMax: number;
}

export function faqRoutes(deps: RouteDeps, budgets: FaqBudgets): Hono {
  const app = new Hono();
  const assistant = deps.assistant;
  const posts = new RateLimiter(POSTS_PER_MINUTE, 60_000);
  const spend = assistant ? new SpendBudget(budgets.clientMax, budgets.dailyMax, () => assistant.answersToday()) : null;

  const langOf = (c: Context, given?: unknown): FaqLang | null | undefined => {
    const raw = given ?? c.req.query('lang');
    if (raw == null || raw === '') return assistant?.defaultLang;
    const l = String(raw).toLowerCase();
    return (FAQ_LANGS as readonly string[]).includes(l) ? (l as FaqLang) : null;
  };
  const paperOf = (c: Context): Paper | null => {
    const parsed = parseArxivId(c.req.param('id') ?? '');
    return parsed ? getPaper(deps.db, parsed.id) : null;
  };
  const questionOf = (raw: unknown): string | null | undefined => {
    if (typeof raw !== 'string') return undefined;
    const q = raw.replace(/\s+/g, ' ').trim();
    return q.length >= 3 && q.length <= MAX_QUESTION ? q : undefined;
  };

  const html = async (markdown: string) => (await deps.math.render((m) => renderAnswer(markdown, m), Infinity)).html;
  const answerJson = async (a: AnswerView) => ({ ...a, html: await html(a.markdown) });

  /** The API's view of a state: the fields at the top, the answer's beside them when done. */
  const stateJson = async (s: AssistantState, question: string | null) => ({
    status: s.status,
    position: s.position,
    version: s.version,
    lang: s.lang,
    ...(question != null ? { question, questionKey: s.questionKey } : {}),
    ...(s.answer ? await answerJson(s.answer) : {}),
    ...(s.partial != null ? { partial: s.partial } : {}),
    ...(s.error ? { error: s.error } : {}),
    previous: s.previous ? await answerJson(s.previous) : null,
    prompt: `/assistant/prompts/${s.answer?.promptVersion ?? (question == null ? 'faq-v1' : 'ask-v1')}`,
  });

  // Cross-site forms are refused by Hono's csrf (Origin / Sec-Fetch-Site); the
  // JSON content type below makes any other cross-site POST a preflighted one,
  // which this server never approves.
  const sameSite = csrf();
  app.use('/api/faq/*', async (c, next) => {
    try {
      return await sameSite(c, next);
    } catch (err) {
      // csrf refuses by throwing a 403 HTTPException; say why in JSON like every API error.
      if (err instanceof HTTPException && err.status === 403) return c.json({ error: 'requests from other sites are refused' }, 403);
      throw err;
    }
  });
  const guardPost = (c: Context): Response | null => {
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin && new URL(origin).host !== c.req.header('host')) {
      return c.json({ error: 'requests from other sites are refused' }, 403);
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') return c.json({ error: 'requests from other sites are refused' }, 403);
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      return c.json({ error: 'send JSON (content-type: application/json)' }, 415);
    }
    if (!posts.take(clientKey(c))) return c.json({ error: 'too many requests from this client; wait a minute' }, 429);
    return null;
  };

  /** Starts (within the budgets) or joins; a finished answer costs nothing. */
  const startOrJoin = async (c: Context, a: Assistant, ask: Ask) => {
    if (a.wouldSpend(ask)) {
      const admin = tokenMatches(bearerToken(c), deps.adminToken);
      const refused = spend!.take(clientKey(c), { admin });
      if (refused) return c.json({ error: refused.message, reason: refused.reason }, 429);
    }
    return c.json(await stateJson(a.start(ask), ask.question));
  };

  /** Where a question stands; an answer for an older version only makes a fresh one start (within the day's cap). */
  const current = (a: Assistant, ask: Ask): AssistantState => {
    const s = a.state(ask);
    if (s.status !== 'none' || !s.previous) return s;
    const refused = spend!.takeShared();
    return refused ? s : a.start(ask);
  };

  app.get('/api/faq/prompts/:version', (c) => {
    try {
      const f = promptFile(c.req.param('version'));
      return c.json({ version: f.version, text: f.source });
    } catch {
      return c.json({ error: 'no such prompt' }, 404);
    }
  });
  app.get('/assistant/prompts/:version', (c) => {
    try {
      return c.text(promptFile(c.req.param('version')).source, 200, { 'content-type': 'text/plain; charset=utf-8' });
    } catch {
      return c.text('no such prompt', 404);
    }
  });

  app.post(`/api/faq/${ID}/ask`, async (c) => {
    if (!assistant) return c.json(NOT_ENABLED, 503);
    const refused = guardPost(c);
    if (refused) return refused;
    let body: { question?: unknown; lang?: unknown };
    try {
      body = (await c.req.json()) as typeof body;
    } catch {
      return c.json({ error: 'send JSON: {"question": "…", "lang": "en"}' }, 400);
    }
    const question = questionOf(body?.question);
    if (!question) return c.json({ error: `question must be text of 3 to ${MAX_QUESTION} characters` }, 400);
    const lang = langOf(c, body.lang);
    if (!lang) return c.json({ error: 'lang must be en or zh' }, 400);
    const paper = paperOf(c);
    if (!paper) return c.json({ error: `no paper with id ${c.req.param('id')}` }, 404);
    return startOrJoin(c, assistant, { paper, lang, question });
  });

  app.get(`/api/faq/${ID}/ask`, async (c) => {
    if (!assistant) return c.json(NOT_ENABLED, 503);
    const question = questionOf(c.req.query('q'));
    if (!question) return c.json({ error: `q must be a question of 3 to ${MAX_QUESTION} characters` }, 400);
    const lang = langOf(c);
    if (!lang) return c.json({ error: 'lang must be en or zh' }, 400);
    const paper = paperOf(c);
    if (!paper) return c.json({ error: `no paper with id ${c.req.param('id')}` }, 404);
    return c.json(await stateJson(assistant.state({ paper, lang, question }), question));
  });

  app.get(`/api/faq/${ID}/events`, async (c) => {
    if (!assistant) return c.json(NOT_ENABLED, 503);
    const lang = langOf(c);
    if (!lang) return c.json({ error: 'lang must be en or zh' }, 400);
    const rawQ = c.req.query('q');
    const question = rawQ == null ? null : questionOf(rawQ);
    if (question === undefined) return c.json({ error: `q must be a question of 3 to ${MAX_QUESTION} characters` }, 400);
    const paper = paperOf(c);
    if (!paper) return c.json({ error: `no paper with id ${c.req.param('id')}` }, 404);
    const ask: Ask = { paper, lang, question };
    return streamSSE(c, async (stream) => {
      const send = (event: string, data: unknown) => stream.writeSSE({ event, data: JSON.stringify(data) });
      // Listen before reading the state, so nothing happens unseen in between.
      const events: JobEvent[] = [];
      let wake: () => void = () => {};
      const job = assistant.job(ask);
      const stop = job?.listen((e) => {
        events.push(e);
        wake();
      });
      stream.onAbort(() => {
        stop?.();
        wake();
      });
      try {
        const first = assistant.state(ask);
        await send('state', await stateJson(first, question));
        if (!job || first.status === 'done' || first.status === 'error' || first.status === 'none') return;
        // Listening and reading the state happened in one tick, so `partial` holds exactly the pieces before `events`.
        for (;;) {
          while (events.length) {
            const e = events.shift()!;
            if (e.type === 'done') {
              await send('done', await stateJson(assistant.state(ask), question));
              return;
            }
            if (e.type === 'error') {
              await send('error', { message: e.message });
              return;
            }
            if (e.type === 'delta') await send('delta', { text: e.text });
            else if (e.type === 'reset') await send('reset', { reason: e.reason });
            else await send('status', { status: e.status, position: e.position });
          }
          if (stream.aborted) return;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        stop?.();
      }
    });
  });

  app.post(`/api/faq/${ID}`, async (c) => {
    if (!assistant) return c.json(NOT_ENABLED, 503);
    const refused = guardPost(c);
    if (refused) return refused;
    const lang = langOf(c);
    if (!lang) return c.json({ error: 'lang must be en or zh' }, 400);
    const paper = paperOf(c);
    if (!paper) return c.json({ error: `no paper with id ${c.req.param('id')}` }, 404);
    return startOrJoin(c, assistant, { paper, lang, question: null });
  });

  app.get(`/api/faq/${ID}`, async (c) => {
    if (!assistant) return c.json(NOT_ENABLED, 503);
    const lang = langOf(c);
    if (!lang) return c.json({ error: 'lang must be en or zh' }, 400);
    const paper = paperOf(c);
    if (!paper) return c.json({ error: `no paper with id ${c.req.param('id')}` }, 404);
    return c.json(await stateJson(current(assistant, { paper, lang, question: null }), null));
  });

  return app;
}
