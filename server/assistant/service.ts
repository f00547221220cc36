// The reading assistant: the FAQ and readers' own questions about a paper,
// made by a model from the paper's full text, queued (FAQ_CONCURRENCY at a
// time), streamed to whoever watches, and kept per (paper, version, language,
// prompt version, model) once complete. Created in server/main.ts when
// LLM_API_URL is set; without it the routes answer 503 and nothing is sent.
import { createHash } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Paper } from '../../db/paper.ts';
import type { Config } from '../../lib/config.ts';
import { chatProvider, withRetries, type ChatProvider, type RetryPolicy } from './provider.ts';
import { JobQueue, type Job, type JobStatus } from './queue.ts';
import { answersSince, getAnswer, olderAnswer, tryPutAnswer, type AnswerKey, type StoredAnswer } from './store.ts';
import { cutToContext } from './context.ts';
import type { FullTextFetch } from './fulltext.ts';
import { ASK_PROMPT_VERSION, askMessages, FAQ_PROMPT_VERSION, faqMessages, normaliseQuestion, type FaqLang, type PromptPaper } from './prompt.ts';
import type { ChatMessage } from './provider.ts';

export interface AssistantOptions {
  db: Db;
  provider: ChatProvider;
  /** The full-text fetch; absent (or failing): the model reads the abstract, and the answer says so. */
  fullText?: FullTextFetch;
  contextTokens: number;
  concurrency: number;
  retry: RetryPolicy;
  defaultLang: FaqLang;
  log?: (line: string) => void;
}

/** What is asked: the FAQ (`question` null) or a reader's question. */
export interface Ask {
  paper: Paper;
  lang: FaqLang;
  question: string | null;
}

interface JobSpec extends Ask {
  version: number;
  key: AnswerKey;
}

/** An answer as the API shows it. */
export interface AnswerView {
  markdown: string;
  model: string;
  promptVersion: string;
  version: number;
  createdAt: string;
  /** `fulltext:<source>` or `abstract`. */
  basis: string;
}

/** Where a question about a paper stands. `none`: never asked for this version. */
export interface AssistantState {
  status: JobStatus | 'none';
  /** Jobs that start before this one. */
  position: number;
  version: number;
  lang: FaqLang;
  /** The question's cache key ('' for the FAQ). */
  questionKey: string;
  answer: AnswerView | null;
  /** What is streamed so far (running). */
  partial: string | null;
  error: string | null;
  /** An answer made for an older version of the paper, shown marked "for v<version>" until a fresh one is done. */
  previous: AnswerView | null;
}

/** The cache key of a question: a hash of its normalised form; '' is the FAQ. */
export function questionKey(question: string | null): string {
  return question == null ? '' : createHash('sha256').update(normaliseQuestion(question)).digest('hex').slice(0, 24);
}

function view(a: StoredAnswer): AnswerView {
  return {
    markdown: a.markdown,
    model: a.model,
    promptVersion: a.promptVersion,
    version: a.version,
    createdAt: new Date(a.createdAt).toISOString(),
    basis: a.basis,
  };
}

export class Assistant {
  readonly model: string;
  readonly defaultLang: FaqLang;
  private readonly queue: JobQueue<JobSpec>;
  /** Finished answers the database was too busy to take yet, by job key; written again shortly. */
  private readonly unsaved = new Map<string, StoredAnswer>();

  constructor(private readonly opts: AssistantOptions) {
    this.model = opts.provider.model;
    this.defaultLang = opts.defaultLang;
    this.queue = new JobQueue(opts.concurrency, (job) => this.run(job));
  }

  private keyOf(a: Ask): AnswerKey {
    return {
      paperId: a.paper.id,
      questionKey: questionKey(a.question),
      lang: a.lang,
      version: a.paper.version ?? 1,
      promptVersion: a.question == null ? FAQ_PROMPT_VERSION : ASK_PROMPT_VERSION,
      model: this.model,
    };
  }

  private jobKey(k: AnswerKey): string {
    return [k.paperId, k.version, k.lang, k.promptVersion, k.model, k.questionKey].join('|');
  }

  private stored(k: AnswerKey): StoredAnswer | null {
    return this.unsaved.get(this.jobKey(k)) ?? getAnswer(this.opts.db, k);
  }

  /** Where this question stands, without starting anything. */
  state(a: Ask): AssistantState {
    const k = this.keyOf(a);
    const done = this.stored(k);
    const job = this.queue.get(this.jobKey(k));
    const base = { version: k.version, lang: a.lang, questionKey: k.questionKey };
    if (done) return { ...base, status: 'done', position: 0, answer: view(done), partial: null, error: null, previous: null };
    const older = olderAnswer(this.opts.db, k.paperId, k.questionKey, a.lang, k.version);
    return {
      ...base,
      status: job?.status ?? 'none',
      position: job ? this.queue.position(job) : 0,
      answer: null,
      partial: job?.status === 'running' ? job.text : null,
      error: job?.status === 'error' ? job.error : null,
      previous: older ? view(older) : null,
    };
  }

  /** True when asking would start new work (no answer, nothing queued or running): that is what budgets count. */
  wouldSpend(a: Ask): boolean {
    const s = this.state(a);
    return s.status === 'none' || s.status === 'error';
  }

  /** Starts the job or joins the one under way; a finished answer is returned as it is. */
  start(a: Ask): AssistantState {
    const k = this.keyOf(a);
    if (!this.stored(k)) this.queue.enqueue(this.jobKey(k), { ...a, version: k.version, key: k });
    return this.state(a);
  }

  /** The live job for this question, if one is queued, running or just failed. */
  job(a: Ask): Job<JobSpec> | undefined {
    return this.queue.get(this.jobKey(this.keyOf(a)));
  }

  /** Position of a job in line (0 once it runs). */
  position(job: Job<JobSpec>): number {
    return this.queue.position(job);
  }

  /** New answers started since the start of today (UTC), from the database: the daily cap's starting count. */
  answersToday(now = Date.now()): number {
    const day = new Date(now);
    day.setUTCHours(0, 0, 0, 0);
    return answersSince(this.opts.db, day.getTime());
  }

  /** What the model reads: the cut full text, or the abstract when no full text can be had. */
  private async paperText(spec: JobSpec): Promise<{ paper: PromptPaper; basis: string }> {
    const p = spec.paper;
    const ft = this.opts.fullText ? await this.opts.fullText(p.id, spec.version).catch((err: Error) => ({ status: 'error' as const, reason: err.message })) : null;
    if (ft?.status === 'ok') {
      // A PDF's sections are its pages: cut its text as one body instead (references found by their heading).
      const sections = ft.source === 'pdf' ? [] : ft.sections;
      const cut = cutToContext({ abstract: p.abstract, sections, body: ft.text }, this.opts.contextTokens);
      return { paper: { id: p.id, version: spec.version, title: p.title, text: cut.text, fullText: true }, basis: `fulltext:${ft.source}` };
    }
    if (ft) this.opts.log?.(`assistant: no full text for ${p.id}v${spec.version} (${ft.reason}); the abstract stands in`);
    const cut = cutToContext({ abstract: p.abstract, sections: [] }, this.opts.contextTokens);
    return { paper: { id: p.id, version: spec.version, title: p.title, text: cut.text, fullText: false }, basis: 'abstract' };
  }

  private async run(job: Job<JobSpec>): Promise<void> {
    const spec = job.spec;
    const { paper, basis } = await this.paperText(spec);
    const messages: ChatMessage[] = spec.question == null ? faqMessages(paper, spec.lang) : askMessages(paper, spec.lang, spec.question.trim());
    const markdown = await withRetries(
      () => this.opts.provider.complete(messages, (text) => job.emit({ type: 'delta', text })),
      this.opts.retry,
      (err, n, pauseMs) => {
        this.opts.log?.(`assistant: ${spec.paper.id} attempt ${n} failed (${err.message}); again in ${pauseMs} ms`);
        job.emit({ type: 'reset', reason: `${err.message}; trying again` });
      },
    ).catch((err: Error) => {
      throw new Error(`the model service failed: ${err.message}`);
    });
    const row: StoredAnswer = {
      ...spec.key,
      question: spec.question == null ? '' : normaliseQuestion(spec.question),
      markdown,
      basis,
      createdAt: Date.now(),
    };
    this.save(job.key, row);
  }

  /** Keeps a finished answer: now if the database is free, else in memory and again every second until it is. */
  private save(key: string, row: StoredAnswer): void {
    if (tryPutAnswer(this.opts.db, row)) {
      this.unsaved.delete(key);
      return;
    }
    this.unsaved.set(key, row);
    setTimeout(() => this.save(key, row), 1000).unref();
  }
}

/** The assistant the settings describe, or null when LLM_API_URL is unset (then nothing is ever sent). */
export function assistantFromConfig(db: Db, c: Config, extra: { fullText?: FullTextFetch; log?: (line: string) => void } = {}): Assistant | null {
  if (!c.LLM_API_URL) return null;
  return new Assistant({
    db,
    provider: chatProvider({ url: c.LLM_API_URL, key: c.LLM_API_KEY ?? undefined, model: c.LLM_MODEL, idleTimeoutMs: c.LLM_TIMEOUT_MS }),
    fullText: extra.fullText,
    contextTokens: c.LLM_CONTEXT_TOKENS,
    concurrency: c.FAQ_CONCURRENCY,
    retry: { maxAttempts: c.LLM_MAX_ATTEMPTS, backoffMs: c.LLM_BACKOFF_MS, maxRetryAfterMs: c.LLM_MAX_RETRY_AFTER_MS },
    defaultLang: c.FAQ_LANG,
    log: extra.log,
  });
}
