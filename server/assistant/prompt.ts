// The assistant's prompts are plain files beside this module
// (prompts/<name>-v<N>.md), versioned by file name, so the page can say which
// one made an answer and anyone can read it. A file's `## ` headings name its
// parts: `system`, `user`, and `questions.<lang>` for the FAQ.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from './provider.ts';

/** The FAQ prompt in use; a changed wording is a new file and a new version here. */
export const FAQ_PROMPT_VERSION = 'faq-v1';
/** The prompt for a reader's own question. */
export const ASK_PROMPT_VERSION = 'ask-v1';

export const FAQ_LANGS = ['en', 'zh'] as const;
export type FaqLang = (typeof FAQ_LANGS)[number];

const LANGUAGE: Record<FaqLang, string> = { en: 'English', zh: 'Simplified Chinese (简体中文)' };

const DIR = join(import.meta.dirname, 'prompts');

export interface PromptFile {
  version: string;
  /** The file as written, for the page's "how this answer was made". */
  source: string;
  parts: Map<string, string>;
}

const loaded = new Map<string, PromptFile>();

/** A prompt file by version, read once. */
export function promptFile(version: string): PromptFile {
  const hit = loaded.get(version);
  if (hit) return hit;
  if (!/^[a-z]+-v\d+$/.test(version)) throw new Error(`no prompt ${version}`);
  const source = readFileSync(join(DIR, `${version}.md`), 'utf8');
  const parts = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (name) parts.set(name, lines.join('\n').trim());
  };
  for (const line of source.split('\n')) {
    const m = /^## (\S+)\s*$/.exec(line);
    if (m) {
      flush();
      name = m[1];
      lines = [];
    } else lines.push(line);
  }
  flush();
  const file = { version, source, parts };
  loaded.set(version, file);
  return file;
}

function fill(template: string, fields: Record<string, string>): string {
  // One pass, so a field's value (the paper's text) is never searched for more fields.
  return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => fields[k] ?? m);
}

export interface PromptPaper {
  id: string;
  version: number;
  title: string;
  /** The cut text the model reads. */
  text: string;
  /** True: `text` is the full text; false: only the abstract could be had. */
  fullText: boolean;
}

function basisLine(p: PromptPaper): string {
  return p.fullText
    ? 'You have the full text of the paper (long papers are shortened: references are left out, and some sections may be cut).'
    : 'Only the abstract of this paper is available to you, not its full text; say so where a question needs more than the abstract gives.';
}

/** The FAQ's numbered questions in a language. */
export function faqQuestions(lang: FaqLang): string[] {
  const block = promptFile(FAQ_PROMPT_VERSION).parts.get(`questions.${lang}`) ?? '';
  return block.split('\n').map((l) => l.replace(/^\s*\d+\.\s*/, '').trim()).filter(Boolean);
}

/** The system and user messages of a prompt file, its `{{fields}}` filled from the paper and `extra`. */
function paperMessages(version: string, p: PromptPaper, lang: FaqLang, extra: Record<string, string>): ChatMessage[] {
  const file = promptFile(version);
  const fields = {
    language: LANGUAGE[lang],
    title: p.title,
    id: p.id,
    version: String(p.version),
    basis: basisLine(p),
    paper: p.text,
    ...extra,
  };
  return [
    { role: 'system', content: fill(file.parts.get('system') ?? '', fields) },
    { role: 'user', content: fill(file.parts.get('user') ?? '', fields) },
  ];
}

/** The messages that ask the six questions about a paper. */
export function faqMessages(p: PromptPaper, lang: FaqLang): ChatMessage[] {
  return paperMessages(FAQ_PROMPT_VERSION, p, lang, { questions: faqQuestions(lang).map((q, i) => `${i + 1}. ${q}`).join('\n') });
}

/** The messages that ask a reader's own question about a paper. */
export function askMessages(p: PromptPaper, lang: FaqLang, question: string): ChatMessage[] {
  return paperMessages(ASK_PROMPT_VERSION, p, lang, { question });
}

/** A reader's question as it is cached: spaces collapsed, trimmed, lower-cased, end punctuation dropped. */
export function normaliseQuestion(q: string): string {
  return q.normalize('NFKC').replace(/\s+/g, ' ').trim().replace(/[\s?？.。!！]+$/u, '').toLowerCase();
}
