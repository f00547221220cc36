// Pieces shared by listing, search, reading-list and paper pages.
import { authorName, paperDate, paperDateText, type Paper } from '../../db/paper.ts';
import type { AnnounceType } from '../../db/queries.ts';
import { categoryLabel, categoryName, displayCategories } from '../../db/taxonomy.ts';
import type { MathContext, MathService, Rendered } from '../math/service.ts';
import { escapeHtml } from '../../lib/html.ts';
import { proseMarker } from './highlight.ts';

export interface ListedPaper {
  paper: Paper;
  /** Safe HTML: escaped prose, typeset math, optional <mark>s. */
  titleHtml: string;
  abstractHtml: string;
  commentsHtml: string | null;
  badge?: AnnounceType | null;
}

interface ListOptions {
  terms?: readonly string[];
  badges?: Map<string, AnnounceType | null>;
}

/** Typesets (and optionally highlights) a batch of papers for display. */
function listPapers(m: MathContext, papers: readonly Paper[], opts: ListOptions = {}): ListedPaper[] {
  const terms = opts.terms ?? [];
  const prose = terms.length ? proseMarker(terms) : escapeHtml;
  return papers.map((paper) => ({
    paper,
    titleHtml: m.html(paper.title, prose),
    abstractHtml: m.html(paper.abstract, prose),
    commentsHtml: paper.comments ? m.html(paper.comments) : null,
    badge: opts.badges?.get(paper.id) ?? null,
  }));
}

const BADGE_TEXT: Record<AnnounceType, string> = {
  new: 'new',
  cross: 'cross-list',
  replace: 'replaced',
  'replace-cross': 'replaced cross-list',
};

export function Badge({ type }: { type: AnnounceType | null | undefined }) {
  if (!type) return null;
  return <span class={`badge badge-${type}`}>{BADGE_TEXT[type]}</span>;
}

export function authorSearchUrl(name: string): string {
  return `/arxiv/search?query=${encodeURIComponent(`au:"${name.replaceAll('"', '')}"`)}`;
}

export function Authors({ names, max }: { names: readonly string[]; max?: number }) {
  if (!names.length) return <span class="authors muted">authors not listed</span>;
  const shown = (max && names.length > max ? names.slice(0, max) : names).map(authorName);
  return (
    <span class="authors">
      {shown.map((n, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={authorSearchUrl(n)}>{n}</a>
        </>
      ))}
      {shown.length < names.length ? <span class="muted"> and {names.length - shown.length} more</span> : ''}
    </span>
  );
}

/** A paper's categories as the site files them (aliases and retired archives as their canonical ids), each named on hover; `named` spells the names out. */
export function Categories({ cats, named }: { cats: readonly string[]; named?: boolean }) {
  return (
    <span class="cats">
      {displayCategories(cats).map((c, i) => (
        <a href={`/arxiv/${c}`} class={i === 0 ? 'cat primary' : 'cat'} title={named ? undefined : (categoryName(c) ?? undefined)}>
          {named && categoryName(c) ? categoryLabel(c) : c}
        </a>
      ))}
    </span>
  );
}

/** The paper's date (paperDate) as a <time>, after a separator. */
export function PaperDateText({ paper }: { paper: Paper }) {
  const d = paperDate(paper);
  return (
    <span class="date">
      {' · '}
      <time datetime={d.date} title={d.precision === 'month' ? 'month from the arXiv id' : d.precision === 'ingest' ? 'date added here' : 'first version'}>
        {paperDateText(d)}
      </time>
    </span>
  );
}

export function StarButton({ id }: { id: string }) {
  return (
    <button type="button" class="star" data-star={id} aria-pressed="false" title="Add to reading list">
      <span aria-hidden="true">☆</span>
      <span class="sr">Star</span>
    </button>
  );
}

/** One paper in a list. `data-*` attributes let the client scripts find it. */
/** Opens the paper inline (web/reader.ts); without JavaScript it is a plain link to arXiv's PDF. */
export function ReadLink({ id }: { id: string }) {
  return (
    <a class="read" href={`https://arxiv.org/pdf/${id}`} data-read={id} rel="noopener">
      Read
    </a>
  );
}

export function PaperCard({ item, index }: { item: ListedPaper; index?: number }) {
  const p = item.paper;
  return (
    <article class="paper" id={`p-${p.id.replace('/', '-')}`} data-id={p.id}>
      <div class="paper-head">
        {index != null ? <span class="index">{index + 1}.</span> : ''}
        <h2 class="paper-title">
          <a href={`/arxiv/${p.id}`} dangerouslySetInnerHTML={{ __html: item.titleHtml }}></a>
        </h2>
        <StarButton id={p.id} />
      </div>
      <h2 class="paper-title tr" data-tr="title" hidden></h2>
      <div class="meta">
        <Badge type={item.badge} /> <a class="pid" href={`/arxiv/${p.id}`}>{p.id}</a> · <Authors names={p.authors} max={12} />
      </div>
      <div class="meta">
        <Categories cats={p.categories} />
        <PaperDateText paper={p} />
        {item.commentsHtml ? (
          <>
            {' · '}
            <span class="comments" dangerouslySetInnerHTML={{ __html: item.commentsHtml }}></span>
          </>
        ) : (
          ''
        )}
      </div>
      <div class="abstract-pair">
        <p class="abstract" dangerouslySetInnerHTML={{ __html: item.abstractHtml }}></p>
        <p class="abstract tr" data-tr="abstract" hidden></p>
      </div>
      <div class="links">
        <a href={`https://arxiv.org/abs/${p.id}`} rel="noopener">arXiv</a>
        <a href={`https://arxiv.org/pdf/${p.id}`} rel="noopener">PDF</a>
        <a href={`https://arxiv.org/html/${p.id}`} rel="noopener">HTML</a>
        <ReadLink id={p.id} />
      </div>
    </article>
  );
}

/**
 * A chunk of paper cards as HTML (a listing, search results, the reading
 * list): what a page starts with and what lazy loading appends, its new
 * formulas typeset within a listing's budget.
 */
export function paperChunkHtml(math: MathService, papers: readonly Paper[], opts: ListOptions & { offset: number; next: string | null }): Promise<Rendered> {
  return math.render((m) => String(<PaperChunk items={listPapers(m, papers, opts)} offset={opts.offset} next={opts.next} />));
}

export function PaperChunk({ items, offset, next }: { items: readonly ListedPaper[]; offset: number; next: string | null }) {
  return (
    <div class="chunk" data-offset={offset} data-next={next ?? undefined}>
      {items.map((item, i) => (
        <PaperCard item={item} index={offset + i} />
      ))}
    </div>
  );
}

export interface TranslateInfo {
  enabled: boolean;
  lang: string;
}

/**
 * Original / translated / side-by-side switch; when the site has no
 * translation service, one short line says so (how to configure one is in
 * README.md and /api/admin/status, not on a reader's page).
 */
export function TranslateToggle({ info, scope }: { info: TranslateInfo; scope: 'page' | 'paper' }) {
  if (!info.enabled) {
    return (
      <p class="translate-toggle tr-off" data-enabled="0" data-lang={info.lang} data-scope={scope}>
        Translation is not enabled on this site.
      </p>
    );
  }
  return (
    <div class="translate-toggle" data-enabled={info.enabled ? '1' : '0'} data-lang={info.lang} data-scope={scope}>
      <span class="label">Read:</span>
      <button type="button" data-view="original" aria-pressed="true">
        Original
      </button>
      <button type="button" data-view="translated" aria-pressed="false" >
        Translated ({info.lang})
      </button>
      <button type="button" data-view="both" aria-pressed="false" >
        Side by side
      </button>
      <span class="tr-status" role="status"></span>
    </div>
  );
}

/** "Next page" link: the no-JavaScript path, and the lazy loader's marker. */
export function Pager({ prev, next, nextChunk }: { prev: string | null; next: string | null; nextChunk: string | null }) {
  if (!prev && !next) return null;
  return (
    <nav class="pager" data-lazy-next={nextChunk ?? undefined}>
      {prev ? <a href={prev}>← Previous page</a> : <span></span>}
      {next ? (
        <a href={next} rel="next" class="next">
          Next page →
        </a>
      ) : (
        <span></span>
      )}
    </nav>
  );
}
