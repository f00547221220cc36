// The answer for a paper the database lacks: a lookup at arXiv (scripts/
// crawler/ondemand.ts) is started or already running (202, a page that fills
// itself in, with a plain refresh link), arXiv has no such paper (404 with a
// link to arxiv.org), arXiv cannot be reached (503 with Retry-After), or
// lookups are off (404 with the link). HTML and its JSON twin say the same.
import type { Context } from 'hono';
import type { LookupState, OnDemand } from '../../scripts/crawler/ondemand.ts';
import { Layout, page } from '../views/layout.tsx';
import { clientKey } from './page-util.ts';

/** How soon a browser or client should ask again while a lookup runs. */
export const POLL_MS = 1500;

export function arxivAbsUrl(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}

/** The states of `ids` (all missing from the database), starting lookups where none runs. */
export function lookupStates(c: Context, onDemand: OnDemand | undefined, ids: readonly string[]): Map<string, LookupState> {
  if (!onDemand) return new Map(ids.map((id) => [id, { state: 'off' } as const]));
  return onDemand.lookup(ids, clientKey(c));
}

/** The plain sentence for a state, as the page and the JSON say it. */
export function lookupMessage(id: string, s: LookupState): string {
  switch (s.state) {
    case 'fetching':
      return `Fetching ${id} from arXiv…`;
    case 'not-found':
      return `arXiv has no paper ${id}.`;
    case 'unavailable':
      return `arXiv could not be reached just now, so ${id} could not be fetched (${s.reason}).`;
    case 'off':
      return `There is no paper ${id} in this collection, and looking papers up at arXiv is turned off here.`;
  }
}

function statusOf(s: LookupState): 202 | 404 | 503 {
  return s.state === 'fetching' ? 202 : s.state === 'unavailable' ? 503 : 404;
}

function retryAfterSeconds(s: LookupState, now = Date.now()): number | null {
  if (s.state === 'fetching') return Math.ceil(POLL_MS / 1000);
  if (s.state === 'unavailable') return Math.max(1, Math.ceil((s.retryAt - now) / 1000));
  return null;
}

/** What one missing id's JSON says: `{status: "fetching" | "not-found" | "unavailable" | "off", id, message, arxiv}`. */
export function lookupJson(id: string, s: LookupState) {
  return {
    status: s.state,
    id,
    ...(s.state === 'fetching' ? {} : { error: lookupMessage(id, s) }),
    message: lookupMessage(id, s),
    arxiv: arxivAbsUrl(id),
    ...(s.state === 'unavailable' ? { retryAfterMs: Math.max(0, s.retryAt - Date.now()) } : {}),
    ...(s.state === 'fetching' ? { retryAfterMs: POLL_MS } : {}),
  };
}

/** One inline block for a missing paper: used alone on its page and among others on a multi-paper page. */
export function LookupNote({ id, state }: { id: string; state: LookupState }) {
  return (
    <article class={`paper lookup lookup-${state.state}`} data-id={id} data-lookup={state.state}>
      <p class="lookup-message">{lookupMessage(id, state)}</p>
      <p class="links">
        {state.state === 'fetching' || state.state === 'unavailable' ? <a href={`/arxiv/${id}`}>Refresh</a> : null}
        <a href={arxivAbsUrl(id)}>{id} on arxiv.org</a>
      </p>
    </article>
  );
}

/** The whole answer for one missing paper at `/arxiv/<id>` or `/api/arxiv/<id>`. */
export function lookupResponse(c: Context, id: string, s: LookupState, json: boolean): Response {
  const status = statusOf(s);
  const retry = retryAfterSeconds(s);
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...(retry != null ? { 'retry-after': String(retry) } : {}) };
  if (json) return c.json(lookupJson(id, s), status, headers);
  const title = s.state === 'fetching' ? 'Fetching from arXiv…' : s.state === 'unavailable' ? 'arXiv unreachable' : 'Not found';
  const body = page(
    <Layout title={title} scripts={s.state === 'fetching' ? ['fetching'] : []}>
      <section class="lookup-page" data-poll={s.state === 'fetching' ? `/api/arxiv/${id}` : undefined} data-poll-ms={String(POLL_MS)}>
        <h1>{title}</h1>
        <LookupNote id={id} state={s} />
        {s.state === 'fetching' ? (
          <p class="note">This page fills itself in when the paper arrives; without JavaScript, use Refresh in a few seconds.</p>
        ) : null}
      </section>
    </Layout>,
  );
  return c.html(body, status, headers);
}
