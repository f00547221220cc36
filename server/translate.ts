// Translated reading. A provider turns a list of strings into another
// language; the built-in one speaks the OpenAI-compatible chat-completions
// protocol, so any such service (hosted or local) works. Math never reaches the
// provider: each formula becomes a placeholder and is put back afterwards; a
// sentence whose placeholders come back lost or altered keeps its original
// text, so a translation can never break a formula. Results are cached in
// SQLite per paper, version and language.
import type { Db } from '../db/client.ts';
import type { Paper } from '../db/paper.ts';
import { countTranslationsSince, getTranslation, putTranslation, type StoredTranslation } from '../db/listings.ts';
import { splitTeX } from '../lib/tex.ts';
import { loadConfig, type Config } from '../lib/config.ts';

export interface TranslationProvider {
  readonly name: string;
  /** Translates every text into `lang`; returns exactly as many strings, in order, or throws. */
  translate(texts: readonly string[], lang: string): Promise<string[]>;
}

export class TranslationError extends Error {}

/** The site's daily translation budget (TRANSLATE_DAILY_MAX) is spent. */
export class DailyCapError extends TranslationError {}

export interface ChatCompletionsConfig {
  /** Base URL (`…/v1`) or the full `…/chat/completions` endpoint. */
  url: string;
  key?: string;
  model: string;
  timeoutMs?: number;
}

const LANG_NAMES: Record<string, string> = {
  zh: 'Simplified Chinese', 'zh-tw': 'Traditional Chinese', ja: 'Japanese', ko: 'Korean', de: 'German',
  fr: 'French', es: 'Spanish', it: 'Italian', pt: 'Portuguese', ru: 'Russian', ar: 'Arabic', en: 'English',
};

export function languageName(lang: string): string {
  return LANG_NAMES[lang.toLowerCase()] ?? lang;
}

export function chatCompletionsProvider(cfg: ChatCompletionsConfig): TranslationProvider {
  const endpoint = /\/chat\/completions\/?$/.test(cfg.url) ? cfg.url : cfg.url.replace(/\/+$/, '') + '/chat/completions';
  return {
    name: `chat-completions (${cfg.model})`,
    async translate(texts, lang) {
      if (!texts.length) return [];
      const system =
        `Translate scientific text into ${languageName(lang)} (it is usually English; a search query may be in any language). ` +
        'The input is a JSON array of strings. Reply with only a JSON array of the same length, ' +
        'each element the translation of the element at the same position. ' +
        'Copy every placeholder such as [[M1]] exactly, once, unchanged. Keep names, acronyms and code as they are.';
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cfg.key ? { authorization: `Bearer ${cfg.key}` } : {}) },
        body: JSON.stringify({
          model: cfg.model,
          temperature: 0,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: JSON.stringify(texts) },
          ],
        }),
        signal: AbortSignal.timeout(cfg.timeoutMs ?? 120_000),
      });
      if (!res.ok) throw new TranslationError(`translation service answered ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new TranslationError('translation service sent no message content');
      const out = parseJsonArray(content);
      if (!out || out.length !== texts.length) {
        throw new TranslationError(`translation service returned ${out ? out.length : 'no'} items for ${texts.length}`);
      }
      return out;
    },
  };
}

/** A JSON array of strings from a model's reply, tolerating a ```json fence around it. */
export function parseJsonArray(content: string): string[] | null {
  const s = content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* not JSON */
  }
  return null;
}

// ---------- math placeholders and sentences (pure) ----------

export interface Protected {
  /** Sentences with formulas replaced by [[M1]], [[M2]], … */
  sentences: string[];
  /** Placeholder number -> the formula's original source, delimiters included. */
  formulas: string[];
}

const PLACEHOLDER = /\[\[M(\d+)\]\]/g;

/** Replaces each formula by a placeholder and splits the prose into sentences. */
export function protectMath(text: string): Protected {
  const formulas: string[] = [];
  let flat = '';
  for (const seg of splitTeX(text)) {
    if (seg.kind === 'text') flat += seg.text;
    else {
      formulas.push(seg.source);
      flat += `[[M${formulas.length}]]`;
    }
  }
  return { sentences: splitSentences(flat), formulas };
}

/** Sentences end at . ! ? followed by space and a capital, digit, placeholder or bracket. */
export function splitSentences(text: string): string[] {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return [];
  return t.split(/(?<=[.!?])\s+(?=[A-Z0-9(\[])/).filter(Boolean);
}

function placeholders(s: string): string[] {
  return [...s.matchAll(PLACEHOLDER)].map((m) => m[1]).sort();
}

/**
 * Puts the formulas back into one translated sentence. Returns null when the
 * translation lost, duplicated or altered a placeholder, so the caller keeps
 * the original sentence.
 */
export function restoreSentence(translated: string, original: string, formulas: readonly string[]): string | null {
  const want = placeholders(original);
  const got = placeholders(translated);
  if (want.join(',') !== got.join(',')) return null;
  // Any other bracketed M-number (a mangled placeholder) also disqualifies it.
  const stripped = translated.replace(PLACEHOLDER, '');
  if (/\[\[|\]\]|\[M\d|M\d+\]/.test(stripped)) return null;
  // A dollar sign the translation introduced is prose, not a formula.
  const prose = translated.replace(/\\?\$/g, '\\$');
  return prose.replace(PLACEHOLDER, (_m, n: string) => formulas[Number(n) - 1] ?? '');
}

/** Reassembles a translated text from its sentences with per-sentence fallback to the original. */
export function restoreText(p: Protected, translated: readonly string[]): { text: string; fallbacks: number } {
  let fallbacks = 0;
  const parts = p.sentences.map((orig, i) => {
    const t = translated[i];
    const restored = t == null ? null : restoreSentence(t, orig, p.formulas);
    if (restored == null) {
      fallbacks++;
      return restoreOriginal(orig, p.formulas);
    }
    return restored;
  });
  return { text: parts.join(' '), fallbacks };
}

function restoreOriginal(sentence: string, formulas: readonly string[]): string {
  return sentence.replace(/\$/g, '\\$').replace(PLACEHOLDER, (_m, n: string) => formulas[Number(n) - 1] ?? '');
}

// ---------- the translator: cache + batching ----------

export interface TranslatorInfo {
  enabled: boolean;
  lang: string;
  /** Every language a reader may ask for (`lang=`). */
  langs: string[];
  provider: string | null;
}

/** Papers sent to the provider at once: each request holds one paper, so no abstract can rewrite another's translation. */
const PARALLEL_REQUESTS = 4;

const utcDayStart = (now: number) => now - (now % 86_400_000);

export class Translator {
  readonly lang: string;
  /** One provider request per (paper, version, language) however many readers ask at once. */
  private readonly inflight = new Map<string, Promise<StoredTranslation>>();
  private spend: { day: number; papers: number } | null = null;

  constructor(
    readonly db: Db,
    readonly provider: TranslationProvider | null,
    lang = 'zh',
    /** New translations per UTC day for the whole site (TRANSLATE_DAILY_MAX). */
    readonly dailyMax = Infinity,
  ) {
    this.lang = lang;
  }

  info(): TranslatorInfo {
    return { enabled: !!this.provider, lang: this.lang, langs: this.languages(), provider: this.provider?.name ?? null };
  }

  /** The languages a reader may ask for: the configured one and those the prompt names; never free text. */
  languages(): string[] {
    return [...new Set([this.lang, ...Object.keys(LANG_NAMES).filter((l) => l !== 'en')])];
  }

  /** `lang` when it is one this server translates into, else null. */
  allowedLang(lang: string): string | null {
    const l = lang.toLowerCase();
    return this.languages().includes(l) ? l : null;
  }

  /** New translations the site may still ask for today. */
  remainingToday(now = Date.now()): number {
    const day = utcDayStart(now);
    if (this.spend?.day !== day) this.spend = { day, papers: countTranslationsSince(this.db, day) };
    return Math.max(0, this.dailyMax - this.spend.papers);
  }

  cached(p: Paper, lang = this.lang): StoredTranslation | null {
    return getTranslation(this.db, p.id, p.version, lang);
  }

  /**
   * Translations for papers, from the cache where present; each missing one
   * goes to the provider in a request of its own (a few at a time), and a
   * paper already being translated is waited for, not asked again. Throws
   * TranslationError when a request fails (what succeeded is cached) and
   * DailyCapError when the day's budget cannot cover the missing papers.
   */
  async translate(papers: readonly Paper[], lang = this.lang): Promise<Map<string, StoredTranslation>> {
    const out = new Map<string, StoredTranslation>();
    const missing: Paper[] = [];
    for (const p of papers) {
      const hit = this.cached(p, lang);
      if (hit) out.set(p.id, hit);
      else missing.push(p);
    }
    if (!missing.length) return out;
    if (!this.provider) throw new TranslationError('translation is not configured on this server');
    const fresh = missing.filter((p) => !this.inflight.has(flightKey(p, lang)));
    if (fresh.length > this.remainingToday()) {
      throw new DailyCapError("this site's translations for today are used up; cached ones still show, new ones again tomorrow (UTC)");
    }
    let failure: unknown = null;
    const queue = [...missing];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        try {
          out.set(p.id, await this.one(p, lang));
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, missing.length) }, worker));
    if (failure) throw failure instanceof TranslationError ? failure : new TranslationError(`translation failed: ${(failure as Error).message}`);
    return out;
  }

  /** One paper through the provider, shared by every caller asking for it meanwhile. */
  private one(p: Paper, lang: string): Promise<StoredTranslation> {
    const key = flightKey(p, lang);
    const running = this.inflight.get(key);
    if (running) return running;
    const job = (async () => {
      this.remainingToday();
      this.spend!.papers++;
      const title = protectMath(p.title);
      const abstract = protectMath(p.abstract);
      const translated = await this.provider!.translate([...title.sentences, ...abstract.sentences], lang);
      const n = title.sentences.length;
      const result = { title: restoreText(title, translated.slice(0, n)).text, abstract: restoreText(abstract, translated.slice(n)).text };
      putTranslation(this.db, p.id, p.version, lang, result);
      return result;
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, job);
    return job;
  }
}

function flightKey(p: Paper, lang: string): string {
  return `${p.id}\u0000${p.version ?? 0}\u0000${lang}`;
}

/**
 * The service translation talks to: TRANSLATE_API_URL with TRANSLATE_API_KEY,
 * else LLM_API_URL with LLM_API_KEY (a key only ever goes to the URL it was
 * configured beside); the model is TRANSLATE_MODEL, else LLM_MODEL. Null: off.
 */
export function translationService(c: Config): ChatCompletionsConfig | null {
  const own = c.TRANSLATE_API_URL;
  const url = own ?? c.LLM_API_URL;
  if (!url) return null;
  const key = own ? c.TRANSLATE_API_KEY : c.LLM_API_KEY;
  return { url, key: key ?? undefined, model: c.TRANSLATE_MODEL ?? c.LLM_MODEL };
}

/** The translator the settings describe (TRANSLATE_*, falling back to LLM_*); without a URL it translates nothing. */
export function translatorFromConfig(db: Db, c: Config): Translator {
  const service = translationService(c);
  return new Translator(db, service ? chatCompletionsProvider(service) : null, c.TRANSLATE_LANG.toLowerCase(), c.TRANSLATE_DAILY_MAX);
}

/** translatorFromConfig over these variables alone (tests). */
export function translatorFromEnv(db: Db, env: Record<string, string | undefined>): Translator {
  return translatorFromConfig(db, loadConfig(env, ['reading', 'assistant']));
}
