// What a search answer says about the query itself, beside its results: a
// "did you mean" from the engine (search/suggest.ts), and for a query in a
// script the English index does not hold, a hint saying so, with the query
// translated into English when a translation service is configured.
import { LRUCache } from 'lru-cache';
import { foreignScript } from '../../search/suggest.ts';
import type { Translator } from '../translate.ts';

export interface QueryHint {
  /** A sentence for the reader, or null. */
  hint: string | null;
  /** The query in English, when it was in another script and translation is configured; else null. */
  translatedQuery: string | null;
}

/** How long a query's translation may take before the answer goes out without it. */
const TRANSLATE_QUERY_MS = 5000;
const translated = new LRUCache<string, string>({ max: 500 });

/** The hint for a query (never throws: a failed translation only leaves the offer out). */
export async function queryHint(query: string, translator: Translator | undefined): Promise<QueryHint> {
  const script = foreignScript(query);
  if (!script) return { hint: null, translatedQuery: null };
  const hint = `The index holds papers in English; words in ${script} script find nothing. Search in English${
    translator?.provider ? ', for example with the translation below' : ''
  }.`;
  if (!translator?.provider) return { hint, translatedQuery: null };
  let english = translated.get(query);
  if (english === undefined) {
    try {
      const call = translator.provider.translate([query], 'en');
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), TRANSLATE_QUERY_MS).unref());
      english = ((await Promise.race([call, timeout]))[0] ?? '').trim().slice(0, 1000);
      translated.set(query, english);
    } catch {
      return { hint, translatedQuery: null };
    }
  }
  return { hint, translatedQuery: english && english !== query ? english : null };
}
